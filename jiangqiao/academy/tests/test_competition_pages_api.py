"""Competition and innovation pages and API: scoped CRUD, the marking sheet with recusal, the
results and the public results page, another city's staff (404, no names echoed)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.academy import competitions
from jiangqiao.academy.models import Competition, Contestant, Innovation, Score
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.testing.cases import (
    CrudApiTests,
    CrudPageTests,
    DataScopeMatrixTests,
    WorldTestCase,
)
from jiangqiao.talents.tests.helpers import make_craftsman

from .helpers import competition_data, contestant, make_class, make_competition, next_no, uscc


def _iso(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def make_innovation(unit: Any, owner: Any, **extra: Any) -> Innovation:
    data = {
        "kind": "studio",
        "title": f"数控创新工作室攻关项目{next_no():04d}",
        "start_date": "2026-03-01",
        "participants_count": 6,
        **extra,
    }
    return competitions.innovation_create(actor=owner, org=unit, data=data)


class TestCompetitionScope(DataScopeMatrixTests):
    __test__ = True
    model = Competition

    def make_row(self, unit: Any, owner: Any) -> Competition:
        return make_competition(unit, owner)


class TestContestantScope(DataScopeMatrixTests):
    __test__ = True
    model = Contestant

    def make_row(self, unit: Any, owner: Any) -> Contestant:
        c = make_competition(unit, owner, open_=True)
        return competitions.contestant_register(actor=owner, competition=c, data=contestant())


class TestInnovationScope(DataScopeMatrixTests):
    __test__ = True
    model = Innovation

    def make_row(self, unit: Any, owner: Any) -> Innovation:
        return make_innovation(unit, owner)


class TestCompetitionPages(CrudPageTests):
    __test__ = True
    model = Competition
    url_prefix = "academy:competition"

    def make_row(self, unit: Any, owner: Any) -> Competition:
        return make_competition(unit, owner)

    def form_data(self, unit: Any) -> dict[str, Any]:
        data = _iso(competition_data())
        return {**data, "org": unit.pk, "employer_restriction": "none"}

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}


class TestInnovationPages(CrudPageTests):
    __test__ = True
    model = Innovation
    url_prefix = "academy:innovation"

    def make_row(self, unit: Any, owner: Any) -> Innovation:
        return make_innovation(unit, owner)

    def form_data(self, unit: Any) -> dict[str, Any]:
        return {
            "org": unit.pk,
            "kind": "five_small",
            "five_small_type": "design",
            "title": f"夹具小设计{next_no():04d}",
            "participants_count": 3,
            "start_date": "2026-04-01",
            "economic_benefit": "5000",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}


class TestCompetitionApi(CrudApiTests):
    __test__ = True
    model = Competition
    api_url = "/api/v1/academy/competitions/"

    def make_row(self, unit: Any, owner: Any) -> Competition:
        return make_competition(unit, owner)

    def create_data(self, unit: Any) -> dict[str, Any]:
        return {**_iso(competition_data()), "org": unit.pk}

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}


class TestInnovationApi(CrudApiTests):
    __test__ = True
    model = Innovation
    api_url = "/api/v1/academy/innovations/"

    def make_row(self, unit: Any, owner: Any) -> Innovation:
        return make_innovation(unit, owner)

    def create_data(self, unit: Any) -> dict[str, Any]:
        return {
            "org": unit.pk,
            "kind": "rationalization",
            "title": f"合理化建议{next_no():04d}",
            "start_date": "2026-02-01",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}

    def test_move_and_negative_benefit(self) -> None:
        me = self.world.city_admin_a
        obj = make_innovation(self.world.city_a, me)
        client = self.api(me)
        url = f"{self.api_url}{obj.pk}/"
        r = client.post(f"{url}move/", {"to": "completed"}, format="json")
        self.assertEqual(r.status_code, 400)
        self.assertIn("status", r.content.decode())
        r = client.post(f"{url}move/", {"to": "ongoing"}, format="json")
        self.assertEqual(r.json()["status"]["value"], "ongoing", r.content)
        r = client.patch(
            url, {"economic_benefit": "-5", "version": r.json()["version"]}, format="json"
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("economic_benefit", r.content.decode())


class CompetitionFlowTests(WorldTestCase):
    """A running competition in 深圳 with a judge from contestant 1's employer."""

    def setUp(self) -> None:
        w = self.world
        self.me = w.city_admin_a
        self.tc = make_class(w.city_a, self.me)
        self.c = make_competition(w.city_a, self.me, open_=True)
        competitions.competition_update(
            actor=self.me, competition=self.c, data={}, classes=[self.tc]
        )
        self.firm = uscc()
        self.own = competitions.contestant_register(
            actor=self.me,
            competition=self.c,
            data=contestant(employer_name="深圳精工机械有限公司", employer_uscc=self.firm),
        )
        self.other = competitions.contestant_register(
            actor=self.me, competition=self.c, data=contestant(employer_name="宝安模具厂")
        )
        craftsman = make_craftsman(
            w.city_a, self.me, employer_name="深圳精工机械有限公司", employer_uscc=self.firm
        )
        self.judge = competitions.judge_add(
            actor=self.me, competition=self.c, data={}, craftsman=craftsman
        )
        self.c = competitions.competition_move(actor=self.me, competition=self.c, to="running")
        self.client.force_login(self.me)

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"academy:{name}", args=[self.c.pk, *args])

    def test_detail_lists_classes_and_masks_identifiers(self) -> None:
        body = self.client.get(self.url("competition_detail")).content.decode()
        self.assertIn(self.tc.title, body)
        self.assertIn(self.own.trainee.name, body)
        self.assertNotIn(self.own.trainee.id_number, body)
        self.assertNotIn(self.own.trainee.mobile, body)
        class_page = self.client.get(self.tc.get_absolute_url()).content.decode()
        self.assertIn(self.c.title, class_page)

    def test_marking_sheet_hides_own_employee_and_refuses_a_forged_score(self) -> None:
        page = self.client.get(self.url("competition_sheet", self.judge.pk))
        self.assertEqual(page.status_code, 200)
        body = page.content.decode()
        self.assertNotIn(self.own.trainee.name, body)
        self.assertIn(self.other.trainee.name, body)
        self.assertIn("回避", body)
        forged = self.client.post(
            self.url("competition_sheet", self.judge.pk), {f"score_{self.own.pk}": "95"}
        )
        self.assertEqual(forged.status_code, 400)
        self.assertIn("回避", forged.content.decode())
        self.assertFalse(Score.objects.filter(contestant=self.own).exists())
        for bad in ("101", "-1", "abc"):
            r = self.client.post(
                self.url("competition_sheet", self.judge.pk), {f"score_{self.other.pk}": bad}
            )
            self.assertEqual(r.status_code, 400)
            self.assertIn("评分", r.content.decode())
        ok = self.client.post(
            self.url("competition_sheet", self.judge.pk), {f"score_{self.other.pk}": "88.5"}
        )
        self.assertEqual(ok.status_code, 302)
        self.assertEqual(Score.objects.get(contestant=self.other).score, 88.5)

    def test_recusal_through_the_api(self) -> None:
        client = APIClient()
        client.force_authenticate(self.me)
        base = f"/api/v1/academy/competitions/{self.c.pk}/"
        sheet = client.get(f"{base}judges/{self.judge.pk}/sheet/").json()
        self.assertEqual([row["id"] for row in sheet], [self.other.pk])
        r = client.post(
            f"{base}score/",
            {"judge": self.judge.pk, "contestant": self.own.pk, "score": "90"},
            format="json",
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("judge", r.content.decode())
        for bad in ("101", "-1", "text"):
            r = client.post(
                f"{base}score/",
                {"judge": self.judge.pk, "contestant": self.other.pk, "score": bad},
                format="json",
            )
            self.assertEqual(r.status_code, 400, bad)
            self.assertIn("score", r.content.decode())
        listing = client.get(f"{base}contestants/").content.decode()
        self.assertNotIn(self.own.trainee.id_number, listing)

    def test_publication_through_pages_and_public_results(self) -> None:
        public = reverse("academy:competition_public", args=[self.c.pk])
        self.assertEqual(self.client.get(public).status_code, 404)
        competitions.score_set(actor=self.me, judge=self.judge, contestant=self.other, score=90)
        # The craftsman is the only judge and must recuse himself from contestant 1.
        self.client.post(self.url("competition_status"), {"to": "scoring"})
        r = self.client.post(
            self.url("competition_publish"),
            {"first": 1, "second": 0, "third": 0, "excellence": 0},
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("没有可评分的评委", r.content.decode())
        self.c.refresh_from_db()
        self.assertEqual(self.c.status, "scoring")

    def test_another_city_gets_404_and_no_names(self) -> None:
        stranger = self.world.city_admin_b
        self.client.force_login(stranger)
        for name, args in (
            ("competition_detail", ()),
            ("competition_edit", ()),
            ("competition_results", ()),
            ("competition_register", ()),
            ("competition_judge_add", ()),
            ("competition_sheet", (self.judge.pk,)),
            ("competition_publish", ()),
        ):
            r = self.client.get(self.url(name, *args))
            self.assertEqual(r.status_code, 404, name)
            self.assertNotIn(self.c.title, r.content.decode())
        r = self.client.post(self.url("competition_status"), {"to": "cancelled"})
        self.assertEqual(r.status_code, 404)
        listing = self.client.get(reverse("academy:competition_list")).content.decode()
        self.assertNotIn(self.c.title, listing)
        client = APIClient()
        client.force_authenticate(stranger)
        base = f"/api/v1/academy/competitions/{self.c.pk}/"
        for path in ("", "contestants/", "results/", "judges/"):
            r = client.get(f"{base}{path}")
            self.assertEqual(r.status_code, 404, path)
            self.assertNotIn(self.own.trainee.name, r.content.decode())
        r = client.post(
            f"{base}score/",
            {"judge": self.judge.pk, "contestant": self.other.pk, "score": "90"},
            format="json",
        )
        self.assertEqual(r.status_code, 404)
        r = client.post(f"{base}register/", contestant(), format="json")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(self.c.contestants.count(), 2)
        self.assertEqual(Competition.objects.get(pk=self.c.pk).status, "running")


class PublishedResultsTests(WorldTestCase):
    def test_results_published_with_awards_and_masked_public_page(self) -> None:
        w = self.world
        me = w.city_admin_a
        c = make_competition(w.city_a, me, open_=True)
        people = [
            competitions.contestant_register(
                actor=me, competition=c, data=contestant(employer_name=f"厂{i}")
            )
            for i in range(3)
        ]
        judges = [
            competitions.judge_add(
                actor=me,
                competition=c,
                data={"name": f"评委{i}", "employer_name": f"大学{i}"},
            )
            for i in range(5)
        ]
        c = competitions.competition_move(actor=me, competition=c, to="running")
        table = {
            0: [90, 91, 92, 93, 10],  # 10 and 93 dropped: (90 + 91 + 92) / 3 = 91
            1: [80, 80, 80, 80, 80],
            2: [95, 95, 95, 95, 95],
        }
        client = APIClient()
        client.force_authenticate(me)
        base = f"/api/v1/academy/competitions/{c.pk}/"
        for i, marks in table.items():
            for judge, mark in zip(judges, marks, strict=True):
                r = client.post(
                    f"{base}score/",
                    {"judge": judge.pk, "contestant": people[i].pk, "score": str(mark)},
                    format="json",
                )
                self.assertEqual(r.status_code, 200, r.content)
        r = client.post(f"{base}move/", {"to": "scoring"}, format="json")
        self.assertEqual(r.status_code, 200, r.content)
        r = client.post(
            f"{base}move/",
            {"to": "published", "awards": {"first": 1, "second": 1, "third": 1}},
            format="json",
        )
        self.assertEqual(r.status_code, 200, r.content)
        results = client.get(f"{base}results/").json()
        self.assertEqual(
            [(row["number"], row["final"], row["rank"], row["award"]) for row in results],
            [
                (people[2].number, "95.00", 1, "一等奖"),
                (people[0].number, "91.00", 2, "二等奖"),
                (people[1].number, "80.00", 3, "三等奖"),
            ],
        )
        page = self.client.get(reverse("academy:competition_public", args=[c.pk]))
        self.assertEqual(page.status_code, 200)
        body = page.content.decode()
        for person in people:
            self.assertNotIn(person.trainee.name, body)
            self.assertNotIn(person.employer_name, body)
        self.assertIn(people[0].trainee.name[:1] + "*", body)
        self.assertIn("一等奖", body)
        frozen = client.post(
            f"{base}score/",
            {"judge": judges[0].pk, "contestant": people[0].pk, "score": "1"},
            format="json",
        )
        self.assertEqual(frozen.status_code, 400)


class PagesRenderTests(WorldTestCase):
    def test_every_page_renders_for_its_owner(self) -> None:
        w = self.world
        me = w.city_admin_a
        c = make_competition(w.city_a, me, open_=True)
        judge = competitions.judge_add(
            actor=me, competition=c, data={"name": "专家", "employer_name": "深圳大学"}
        )
        item = make_innovation(w.city_a, me)
        self.client.force_login(me)
        pages = [
            reverse("academy:competition_list"),
            reverse("academy:competition_create"),
            reverse("academy:competition_edit", args=[c.pk]),
            reverse("academy:competition_register", args=[c.pk]),
            reverse("academy:competition_judge_add", args=[c.pk]),
            reverse("academy:competition_sheet", args=[c.pk, judge.pk]),
            reverse("academy:competition_results", args=[c.pk]),
            reverse("academy:competition_publish", args=[c.pk]),
            reverse("academy:innovation_list"),
            reverse("academy:innovation_create"),
            reverse("academy:innovation_detail", args=[item.pk]),
            reverse("academy:innovation_edit", args=[item.pk]),
        ]
        for url in pages:
            r = self.client.get(url)
            self.assertEqual(r.status_code, 200, url)
        detail = self.client.get(c.get_absolute_url()).content.decode()
        for button in ("退回筹备", "开赛", "取消赛事", "报名登记", "添加评委"):
            self.assertIn(button, detail)
        self.assertNotIn("公布成绩</a>", detail)  # only while 评分中
        reader = self.client
        reader.force_login(w.county_operator)
        self.assertEqual(reader.get(c.get_absolute_url()).status_code, 404)  # 南山 below 深圳

    def test_registration_form_names_the_field(self) -> None:
        w = self.world
        me = w.city_admin_a
        c = make_competition(w.city_a, me, open_=True)
        self.client.force_login(me)
        url = reverse("academy:competition_register", args=[c.pk])
        self.client.get(url)
        data = {**contestant(skill_level="junior_worker")}
        r = self.client.post(url, data)
        self.assertEqual(r.status_code, 400)
        self.assertIn("不低于四级/中级工", r.content.decode())
        self.assertEqual(c.contestants.count(), 0)

    def test_a_running_competition_only_changes_its_classes(self) -> None:
        w = self.world
        me = w.city_admin_a
        c = make_competition(w.city_a, me, open_=True)
        competitions.contestant_register(actor=me, competition=c, data=contestant())
        c = competitions.competition_move(actor=me, competition=c, to="running")
        tc = make_class(w.city_a, me)
        self.client.force_login(me)
        url = reverse("academy:competition_edit", args=[c.pk])
        r = self.client.post(url, {"title": "改名", "classes": [tc.pk], "version": c.version})
        self.assertEqual(r.status_code, 302, getattr(r, "context", {}) and r.context["form"].errors)
        c.refresh_from_db()
        self.assertNotEqual(c.title, "改名")
        self.assertEqual(list(c.classes.all()), [tc])
        with self.assertRaises(BusinessError) as ctx:
            competitions.competition_update(actor=me, competition=c, data={"max_participants": 99})
        self.assertEqual(ctx.exception.field, "max_participants")
