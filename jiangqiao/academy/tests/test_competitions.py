"""Competitions (issue 15 point 7): lifecycle, eligibility, recusal, trimmed mean and ranking,
publication, innovation activities — at the service level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.test import SimpleTestCase
from django.utils import timezone

from jiangqiao.academy import competitions, scoring, selectors
from jiangqiao.academy.models import (
    Competition,
    CompetitionStatusChange,
    Contestant,
    Innovation,
    InnovationStatusChange,
    Score,
)
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.demands.tests.factories import make_enterprise
from jiangqiao.talents.tests.helpers import make_craftsman

from .helpers import competition_data, contestant, make_class, make_competition, uscc

D = Decimal


class ScoringArithmeticTests(SimpleTestCase):
    def test_plain_mean_below_five_marks(self) -> None:
        self.assertEqual(scoring.final_score([D("80"), D("90"), D("85.5")]), D("85.17"))
        self.assertIsNone(scoring.final_score([]))

    def test_trimmed_mean_from_five_marks(self) -> None:
        # 60 and 99 are dropped: (80 + 82 + 84) / 3 = 82
        self.assertEqual(scoring.final_score([D(99), D(80), D(60), D(82), D(84)]), D("82.00"))

    def test_ties_are_broken_then_shared(self) -> None:
        rows = scoring.rank(
            {
                1: [D(90), D(80), D(70), D(85), D(75)],  # trimmed 80, mean 80, min 70
                2: [D(100), D(80), D(60), D(85), D(75)],  # trimmed 80, mean 80, min 60
                3: [D(80), D(80), D(80)],  # 80, 80, 80 → first (higher lowest mark)
                4: [D(95)],
                5: [D(80), D(80), D(80)],  # equal to 3 in every respect → shares the rank
                6: [],
            }
        )
        order = [(r.key, r.rank) for r in rows]
        self.assertEqual(order, [(4, 1), (3, 2), (5, 2), (1, 4), (2, 5), (6, None)])
        scoring.assign_awards(rows, {"first": 1, "second": 1, "third": 1, "excellence": 1})
        awards = {r.key: r.award for r in rows}
        # 3 and 5 share rank 2 → both 二等奖; rank 4 is 优秀奖 (limit 4); rank 5 none
        self.assertEqual(
            awards,
            {4: "first", 3: "second", 5: "second", 1: "excellence", 2: "", 6: ""},
        )


class CompetitionLifecycleTests(WorldTestCase):
    def test_allowed_moves_leave_history(self) -> None:
        w = self.world
        c = make_competition(w.city_a, w.city_admin_a)
        self.assertEqual(c.status, "preparing")
        c = competitions.competition_move(actor=w.city_admin_a, competition=c, to="registering")
        c = competitions.competition_move(actor=w.city_admin_a, competition=c, to="preparing")
        c = competitions.competition_move(actor=w.city_admin_a, competition=c, to="cancelled")
        self.assertEqual(c.status, "cancelled")
        self.assertEqual(
            list(
                CompetitionStatusChange.objects.filter(competition=c).values_list(
                    "from_status", "to_status"
                )
            ),
            [
                ("preparing", "registering"),
                ("registering", "preparing"),
                ("preparing", "cancelled"),
            ],
        )
        with self.assertRaises(BusinessError) as ctx:
            competitions.competition_move(actor=w.city_admin_a, competition=c, to="registering")
        self.assertEqual(ctx.exception.field, "status")

    def test_refused_moves(self) -> None:
        w = self.world
        c = make_competition(w.city_a, w.city_admin_a)
        for to, field in (("running", "status"), ("published", "status"), ("nonsense", "status")):
            with self.assertRaises(BusinessError) as ctx:
                competitions.competition_move(actor=w.city_admin_a, competition=c, to=to)
            self.assertEqual(ctx.exception.field, field)
        c = competitions.competition_move(actor=w.city_admin_a, competition=c, to="registering")
        with self.assertRaises(BusinessError) as ctx:  # no contestant yet
            competitions.competition_move(actor=w.city_admin_a, competition=c, to="running")
        self.assertIn("参赛选手", ctx.exception.message)
        competitions.contestant_register(actor=w.city_admin_a, competition=c, data=contestant())
        c = competitions.competition_move(actor=w.city_admin_a, competition=c, to="running")
        with self.assertRaises(BusinessError) as ctx:  # no judge yet
            competitions.competition_move(actor=w.city_admin_a, competition=c, to="scoring")
        self.assertIn("评委", ctx.exception.message)
        self.assertEqual(Competition.objects.get(pk=c.pk).status, "running")

    def test_dates_out_of_order_are_refused(self) -> None:
        w = self.world
        today = timezone.localdate()
        cases = {
            "registration_end": {
                "registration_end": today + dt.timedelta(days=10)
            },  # not before the start
            "end_date": {"end_date": today + dt.timedelta(days=9)},
            "max_skill_level": {
                "min_skill_level": "technician",
                "max_skill_level": "junior_worker",
            },
        }
        for field, extra in cases.items():
            with self.subTest(field=field), self.assertRaises(BusinessError) as ctx:
                competitions.competition_create(
                    actor=w.city_admin_a, org=w.city_a, data=competition_data(**extra)
                )
            self.assertEqual(ctx.exception.field, field)
        with self.assertRaises(BusinessError) as ctx:
            competitions.competition_create(
                actor=w.city_admin_a,
                org=w.city_a,
                data=competition_data(registration_start="2026-13-01"),
            )
        self.assertEqual(ctx.exception.field, "registration_start")

    def test_another_city_cannot_touch_it(self) -> None:
        w = self.world
        c = make_competition(w.city_b, w.city_admin_b, open_=True)
        with self.assertRaises(ScopeViolation):
            competitions.competition_move(actor=w.city_admin_a, competition=c, to="running")
        with self.assertRaises(ScopeViolation):
            competitions.contestant_register(actor=w.city_admin_a, competition=c, data=contestant())
        self.assertFalse(Competition.objects.visible_to(w.city_admin_a).filter(pk=c.pk).exists())

    def test_linked_classes_are_shown_both_ways(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a)
        other = make_class(w.city_b, w.city_admin_b)
        c = competitions.competition_create(
            actor=w.city_admin_a, org=w.city_a, data=competition_data(), classes=[tc]
        )
        self.assertEqual(list(c.classes.all()), [tc])
        self.assertEqual(
            list(selectors.competitions_of_class(user=w.city_admin_a, training_class=tc)), [c]
        )
        with self.assertRaises(BusinessError) as ctx:
            competitions.competition_update(
                actor=w.city_admin_a, competition=c, data={}, classes=[other]
            )
        self.assertEqual(ctx.exception.field, "classes")
        self.assertNotIn(other.title, ctx.exception.message)


class RegistrationTests(WorldTestCase):
    def setUp(self) -> None:
        self.me = self.world.city_admin_a
        self.c = make_competition(self.world.city_a, self.me, open_=True)

    def register(self, c: Competition | None = None, **extra: Any) -> Contestant:
        return competitions.contestant_register(
            actor=self.me, competition=c or self.c, data=contestant(**extra)
        )

    def refused(self, field: str, c: Competition | None = None, **extra: Any) -> str:
        with self.assertRaises(BusinessError) as ctx:
            self.register(c, **extra)
        self.assertEqual(ctx.exception.field, field, ctx.exception.message)
        return str(ctx.exception.message)

    def test_registration_makes_a_trainee_with_encrypted_identifiers(self) -> None:
        data = contestant()
        row = competitions.contestant_register(actor=self.me, competition=self.c, data=data)
        self.assertEqual((row.number, row.skill_level, row.org), (1, "senior_worker", self.c.org))
        self.assertEqual(row.trainee.id_number, data["id_number"])
        self.assertNotIn(data["id_number"], str(Contestant.objects.values().get(pk=row.pk)))
        again = {**contestant(), "id_number": data["id_number"], "name": data["name"]}
        with self.assertRaises(BusinessError) as ctx:
            competitions.contestant_register(actor=self.me, competition=self.c, data=again)
        self.assertEqual(ctx.exception.field, "id_number")
        self.assertEqual(self.c.contestants.count(), 1)

    def test_skill_level_too_low_or_too_high(self) -> None:
        message = self.refused("skill_level", skill_level="junior_worker")
        self.assertIn("不低于四级/中级工", message)
        self.assertIn("不高于", self.refused("skill_level", skill_level="senior_technician"))
        self.refused("skill_level", skill_level="")
        self.refused("skill_level", skill_level="grandmaster")

    def test_wrong_occupation(self) -> None:
        self.assertIn("车工", self.refused("occupation", occupation="6-18-01-02"))
        self.refused("occupation", occupation="")
        c = make_competition(
            self.world.city_a,
            self.me,
            open_=True,
            occupation="",
            allowed_occupations=["6-18-01-00"],
        )
        self.assertEqual(self.register(c, occupation="6-18-01-02").occupation, "6-18-01-02")

    def test_wrong_employer_scope_and_region(self) -> None:
        w = self.world
        scoped = make_competition(w.city_a, self.me, open_=True, employer_restriction="scope")
        mine = make_enterprise(w.county_a1, self.me)
        theirs = make_enterprise(w.city_b, w.city_admin_b)
        self.refused("employer_uscc", scoped)  # a name only
        # Another city's enterprise: its USCC is not matched (out of scope), so still refused,
        # and its name never appears in the message.
        message = self.refused(
            "employer_uscc", scoped, employer_name="某公司", employer_uscc=theirs.uscc
        )
        self.assertNotIn(theirs.name, message)
        ok = self.register(scoped, employer_name=mine.name, employer_uscc=mine.uscc)
        self.assertEqual(ok.enterprise, mine)
        regional = make_competition(
            w.city_a, self.me, open_=True, employer_restriction="region", region_prefix="440300"
        )
        self.assertIn(
            "深圳",
            self.refused(
                "employer_uscc",
                regional,
                employer_name="广州某厂",
                employer_uscc=uscc_in("440106"),
            ),
        )
        self.assertTrue(
            self.register(regional, employer_name="南山某厂", employer_uscc=uscc_in("440305")).pk
        )
        with self.assertRaises(BusinessError) as ctx:
            competitions.competition_create(
                actor=self.me, org=w.city_a, data=competition_data(employer_restriction="region")
            )
        self.assertEqual(ctx.exception.field, "region_prefix")

    def test_registration_closed(self) -> None:
        w = self.world
        preparing = make_competition(w.city_a, self.me)
        self.assertIn("报名未开放", self.refused("registration_end", preparing))
        late = timezone.localdate() + dt.timedelta(days=6)
        with self.assertRaises(BusinessError) as ctx:
            competitions.contestant_register(
                actor=self.me, competition=self.c, data=contestant(), today=late
            )
        self.assertEqual(ctx.exception.field, "registration_end")
        self.assertIn("报名已截止", ctx.exception.message)
        early = timezone.localdate() - dt.timedelta(days=6)
        with self.assertRaises(BusinessError) as ctx:
            competitions.contestant_register(
                actor=self.me, competition=self.c, data=contestant(), today=early
            )
        self.assertEqual(ctx.exception.field, "registration_start")

    def test_capacity(self) -> None:
        c = make_competition(self.world.city_a, self.me, open_=True, max_participants=1)
        self.register(c)
        self.refused("max_participants", c)
        with self.assertRaises(BusinessError) as ctx:
            competitions.competition_update(
                actor=self.me, competition=c, data={"max_participants": 0}
            )
        self.assertEqual(ctx.exception.field, "max_participants")


def uscc_in(region: str) -> str:
    from jiangqiao.core.identifiers import make_uscc

    from .helpers import next_no

    return make_uscc("9", "1", region, f"{next_no() + 30000000:08d}")


class MarkingTests(WorldTestCase):
    """Three judges, one of them (a craftsman) employed where contestant 1 works."""

    def setUp(self) -> None:
        w = self.world
        self.me = w.city_admin_a
        self.c = make_competition(w.city_a, self.me, open_=True)
        self.firm_uscc = uscc()
        self.craftsman = make_craftsman(
            w.city_a, self.me, employer_name="深圳精工机械有限公司", employer_uscc=self.firm_uscc
        )
        self.own = competitions.contestant_register(
            actor=self.me,
            competition=self.c,
            data=contestant(employer_name="深圳精工机械有限公司", employer_uscc=self.firm_uscc),
        )
        self.others = [
            competitions.contestant_register(
                actor=self.me, competition=self.c, data=contestant(employer_name=f"其他厂{i}")
            )
            for i in range(2)
        ]
        self.j_craft = competitions.judge_add(
            actor=self.me, competition=self.c, data={"title": "高级技师"}, craftsman=self.craftsman
        )
        self.j_ext = [
            competitions.judge_add(
                actor=self.me,
                competition=self.c,
                data={"name": f"专家{i}", "employer_name": f"深圳大学{i}", "title": "教授"},
            )
            for i in range(2)
        ]
        self.c = competitions.competition_move(actor=self.me, competition=self.c, to="running")

    def mark(self, judge: Any, who: Contestant, score: Any) -> Score:
        return competitions.score_set(actor=self.me, judge=judge, contestant=who, score=score)

    def test_recused_contestant_hidden_and_score_refused(self) -> None:
        sheet = [r["contestant"] for r in selectors.marking_sheet(self.j_craft)]
        self.assertNotIn(self.own, sheet)
        self.assertEqual(set(sheet), set(self.others))
        self.assertEqual(selectors.recusal_count(self.j_craft), 1)
        with self.assertRaises(BusinessError) as ctx:
            self.mark(self.j_craft, self.own, 90)
        self.assertEqual(ctx.exception.field, "judge")
        self.assertIn("回避", ctx.exception.message)
        self.assertFalse(Score.objects.filter(judge=self.j_craft, contestant=self.own).exists())
        # An external expert from the same USCC is recused too.
        same = competitions.judge_add(
            actor=self.me,
            competition=self.c,
            data={
                "name": "同厂专家",
                "employer_name": "另一个名字",
                "employer_uscc": self.firm_uscc,
            },
        )
        self.assertTrue(same.recused_from(self.own))

    def test_bad_scores(self) -> None:
        for bad in (101, -1, "abc", "85.55", "", None, True, "NaN", "Infinity"):
            with self.subTest(bad=bad), self.assertRaises(BusinessError) as ctx:
                self.mark(self.j_ext[0], self.others[0], bad)
            self.assertEqual(ctx.exception.field, "score")
        self.assertEqual(self.mark(self.j_ext[0], self.others[0], "85.5").score, D("85.5"))
        self.assertEqual(self.mark(self.j_ext[0], self.others[0], 100).score, D("100"))
        self.assertEqual(Score.objects.filter(judge=self.j_ext[0]).count(), 1)

    def test_missing_mark_blocks_publication_then_results_freeze(self) -> None:
        marks = {
            (self.j_ext[0], self.own): 90,
            (self.j_ext[1], self.own): 80,
            (self.j_craft, self.others[0]): 70,
            (self.j_ext[0], self.others[0]): 75,
            (self.j_ext[1], self.others[0]): 80,
            (self.j_craft, self.others[1]): 95,
            (self.j_ext[0], self.others[1]): 90,
        }
        for (judge, who), score in marks.items():
            self.mark(judge, who, score)
        c = competitions.competition_move(actor=self.me, competition=self.c, to="scoring")
        with self.assertRaises(BusinessError) as ctx:
            competitions.competition_move(
                actor=self.me, competition=c, to="published", awards={"first": 1}
            )
        self.assertEqual(ctx.exception.field, "scores")
        self.assertIn("专家1", ctx.exception.message)
        self.assertIn(self.others[1].trainee.name, ctx.exception.message)
        self.mark(self.j_ext[1], self.others[1], 88)
        with self.assertRaises(BusinessError) as ctx:  # award counts are required
            competitions.competition_move(actor=self.me, competition=c, to="published")
        self.assertEqual(ctx.exception.field, "awards_first")
        with self.assertRaises(BusinessError) as ctx:  # more awards than contestants
            competitions.competition_move(
                actor=self.me, competition=c, to="published", awards={"first": 2, "second": 2}
            )
        c = competitions.competition_move(
            actor=self.me,
            competition=c,
            to="published",
            awards={"first": 1, "second": 1, "third": 0, "excellence": 1},
        )
        self.assertEqual(c.status, "published")
        self.assertEqual((c.awards_first, c.awards_second, c.awards_excellence), (1, 1, 1))
        rows = {x.pk: x for x in c.contestants.all()}
        # others[1]: (95 + 90 + 88) / 3 = 91; own: (90 + 80) / 2 = 85 (recused judge excluded);
        # others[0]: (70 + 75 + 80) / 3 = 75
        self.assertEqual(rows[self.others[1].pk].final_score, D("91.00"))
        self.assertEqual(
            [
                (rows[x.pk].rank, rows[x.pk].award)
                for x in (self.others[1], self.own, self.others[0])
            ],
            [(1, "first"), (2, "second"), (3, "excellence")],
        )
        with self.assertRaises(BusinessError) as ctx:
            self.mark(self.j_ext[0], self.own, 10)
        self.assertIn("冻结", ctx.exception.message)
        self.assertEqual(
            Score.objects.get(judge=self.j_ext[0], contestant=self.own).score, D("90.0")
        )
        public = selectors.public_results(c.pk)
        assert public is not None
        names = [r["name"] for r in public[1]]
        self.assertNotIn(self.own.trainee.name, names)
        self.assertTrue(all("*" in n for n in names))

    def test_unpublished_results_are_not_public(self) -> None:
        self.assertIsNone(selectors.public_results(self.c.pk))

    def test_judge_of_another_city_craftsman_is_refused(self) -> None:
        w = self.world
        stranger = make_craftsman(w.city_b, w.city_admin_b)
        with self.assertRaises(BusinessError) as ctx:
            competitions.judge_add(actor=self.me, competition=self.c, data={}, craftsman=stranger)
        self.assertEqual(ctx.exception.field, "craftsman")
        self.assertNotIn(stranger.name, ctx.exception.message)


class InnovationTests(WorldTestCase):
    def data(self, **extra: Any) -> dict[str, Any]:
        return {
            "kind": "five_small",
            "five_small_type": "invention",
            "title": "数控刀具快换夹具",
            "start_date": "2026-03-01",
            "participants_count": 5,
            **extra,
        }

    def test_lifecycle_and_outcomes(self) -> None:
        w = self.world
        me = w.city_admin_a
        lead = make_craftsman(w.city_a, me)
        obj = competitions.innovation_create(
            actor=me, org=w.city_a, data=self.data(lead=lead, studio_name="张工创新工作室")
        )
        self.assertEqual(obj.status, "approved")
        with self.assertRaises(BusinessError) as ctx:
            competitions.innovation_move(actor=me, innovation=obj, to="completed")
        self.assertEqual(ctx.exception.field, "status")
        obj = competitions.innovation_move(actor=me, innovation=obj, to="ongoing")
        with self.assertRaises(BusinessError) as ctx:
            competitions.innovation_move(actor=me, innovation=obj, to="completed")
        self.assertEqual(ctx.exception.field, "outcome")
        obj = competitions.innovation_update(
            actor=me,
            innovation=obj,
            data={
                "outcome": "换刀时间由 15 分钟降至 3 分钟",
                "economic_benefit": "128000.50",
                "patent_count": 1,
                "adopted": True,
                "evaluated_on": "2026-09-01",
            },
        )
        obj = competitions.innovation_move(actor=me, innovation=obj, to="completed")
        self.assertEqual((obj.status, obj.economic_benefit), ("completed", D("128000.50")))
        self.assertEqual(InnovationStatusChange.objects.filter(innovation=obj).count(), 2)

    def test_bad_input(self) -> None:
        w = self.world
        me = w.city_admin_a
        cases = {
            "economic_benefit": {"economic_benefit": "-1"},
            "five_small_type": {"five_small_type": ""},
            "end_date": {"end_date": "2026-01-01"},
            "kind": {"kind": "other"},
        }
        for field, extra in cases.items():
            with self.subTest(field=field), self.assertRaises(BusinessError) as ctx:
                competitions.innovation_create(actor=me, org=w.city_a, data=self.data(**extra))
            self.assertEqual(ctx.exception.field, field)
        stranger = make_craftsman(w.city_b, w.city_admin_b)
        with self.assertRaises(BusinessError) as ctx:
            competitions.innovation_create(actor=me, org=w.city_a, data=self.data(lead=stranger))
        self.assertEqual(ctx.exception.field, "lead")
        self.assertNotIn(stranger.name, ctx.exception.message)
        self.assertEqual(Innovation.objects.count(), 0)


class FiguresTests(WorldTestCase):
    """docs/kpi.md §4, against hand counts."""

    def test_competitions_and_participants(self) -> None:
        w = self.world
        me = w.city_admin_a
        held = make_competition(w.county_a1, me, open_=True, level="county")
        for _ in range(3):
            competitions.contestant_register(actor=me, competition=held, data=contestant())
        competitions.competition_move(actor=me, competition=held, to="running")
        open_only = make_competition(w.city_a, me, open_=True)  # not held yet: not counted
        competitions.contestant_register(actor=me, competition=open_only, data=contestant())
        cancelled = make_competition(w.city_a, me, open_=True)
        competitions.contestant_register(actor=me, competition=cancelled, data=contestant())
        competitions.competition_move(actor=me, competition=cancelled, to="running")
        competitions.competition_move(actor=me, competition=cancelled, to="cancelled")
        theirs = make_competition(w.city_b, w.city_admin_b, open_=True)
        competitions.contestant_register(
            actor=w.city_admin_b, competition=theirs, data=contestant()
        )
        competitions.competition_move(actor=w.city_admin_b, competition=theirs, to="running")
        start = timezone.localdate()
        end = start + dt.timedelta(days=30)
        figures = selectors.competition_figures(user=me, org=w.city_a, start=start, end=end)
        self.assertEqual(
            figures, {"competitions": 1, "by_level": {"county": 1}, "participants": 3, "awarded": 0}
        )
        # The province's reader sees both cities; 深圳's reader never counts 广州's.
        wide = selectors.competition_figures(
            user=w.province_admin, org=w.province, start=start, end=end
        )
        self.assertEqual((wide["competitions"], wide["participants"]), (2, 4))
        mine = selectors.competition_figures(user=me, org=w.province, start=start, end=end)
        self.assertEqual(mine["competitions"], 1)
        before = selectors.competition_figures(
            user=me, org=w.city_a, start=start - dt.timedelta(days=30), end=start
        )
        self.assertEqual(before["competitions"], 0)

    def test_innovation_activities(self) -> None:
        w = self.world
        me = w.city_admin_a
        base = {"start_date": timezone.localdate().isoformat(), "participants_count": 2}
        done = competitions.innovation_create(
            actor=me, org=w.city_a, data={**base, "kind": "studio", "title": "攻关甲"}
        )
        done = competitions.innovation_move(actor=me, innovation=done, to="ongoing")
        done = competitions.innovation_update(
            actor=me,
            innovation=done,
            data={
                "outcome": "完成",
                "economic_benefit": "1000.50",
                "patent_count": 2,
                "adopted": True,
            },
        )
        competitions.innovation_move(actor=me, innovation=done, to="completed")
        stopped = competitions.innovation_create(
            actor=me, org=w.county_a1, data={**base, "kind": "open_call", "title": "揭榜乙"}
        )
        competitions.innovation_move(actor=me, innovation=stopped, to="terminated")
        competitions.innovation_create(
            actor=w.city_admin_b, org=w.city_b, data={**base, "kind": "studio", "title": "外市丙"}
        )
        today = timezone.localdate()
        figures = selectors.innovation_figures(user=me, org=w.city_a, start=today, end=today)
        self.assertEqual(
            figures,
            {
                "started": 2,
                "started_by_kind": {"studio": 1, "open_call": 1},
                "completed": 1,
                "economic_benefit": D("1000.50"),
                "patents": 2,
                "adopted": 1,
            },
        )
