"""Skill upgrades of trainees (issue 15 point 6): one record type with the casework sessions,
recorded through ``upgrades.trainee_upgrade_record``, counted by ``casework.kpi``'s one count.

The attacking tests come first: another city's staff can neither see nor record an upgrade of a
深圳 class (service, page and API), and its names never appear in the answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.academy import classes, upgrades
from jiangqiao.academy.models import Enrolment, TraineeUpgrade
from jiangqiao.academy.selectors import class_upgrades
from jiangqiao.accounts.models import Role
from jiangqiao.casework import kpi
from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import SkillUpgrade
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user

from .helpers import START, TODAY, make_class, make_lecturer, running_class, upgrade_data, worker


class UpgradeTestBase(WorldTestCase):
    def setUp(self) -> None:
        self.me = self.world.city_admin_a
        self.tc = running_class(self.world.city_a, self.me, capacity=1)
        self.lecturer = self.tc.lecturers.get()
        self.data = worker()
        self.seated = classes.enrol(actor=self.me, training_class=self.tc, worker=self.data)
        self.waiting = classes.enrol(actor=self.me, training_class=self.tc, worker=worker())

    def api(self, user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    def record(self, enrolment: Enrolment | None = None, **extra: Any) -> TraineeUpgrade:
        actor = extra.pop("actor", self.me)
        values = upgrade_data(**extra)
        values.setdefault("lecturer", self.lecturer)
        return upgrades.trainee_upgrade_record(
            actor=actor, enrolment=enrolment or self.seated, **values
        )


class ScopeTests(UpgradeTestBase):
    def test_another_citys_staff_cannot_record_or_see_an_upgrade(self) -> None:
        them = self.world.city_admin_b
        with self.assertRaises(BusinessError) as ctx:
            upgrades.trainee_upgrade_record(
                actor=them, enrolment=self.seated, lecturer=None, **upgrade_data()
            )
        self.assertEqual(ctx.exception.field, "enrolment")
        for name in (self.tc.title, self.data["name"], self.world.city_a.name):
            self.assertNotIn(name, ctx.exception.message)
        self.assertFalse(SkillUpgrade.objects.exists())
        link = self.record()
        self.assertFalse(class_upgrades(user=them, training_class=self.tc).exists())
        self.assertFalse(SkillUpgrade.objects.visible_to(them).exists())
        self.assertFalse(TraineeUpgrade.objects.visible_to(them).exists())
        # Pages and API: 404, the trainee's name nowhere.
        self.login(them)
        url = reverse("academy:upgrade", args=[self.tc.pk, self.seated.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"occupation": "6-18-01-01"}).status_code, 404)
        api = self.api(them)
        base = f"/api/v1/academy/classes/{self.tc.pk}/upgrades/"
        listing = api.get(base)
        self.assertEqual(listing.status_code, 404)
        self.assertNotIn(self.data["name"], listing.content.decode())
        post = api.post(base, {"enrolment": self.seated.pk, **self._json()}, format="json")
        self.assertEqual(post.status_code, 404)
        self.assertEqual(TraineeUpgrade.objects.count(), 1)
        # Their count does not include it; ours does.
        start, end = TODAY - dt.timedelta(days=30), TODAY
        self.assertEqual(kpi.skill_upgrade_counts(user=them, start=start, end=end).total, 0)
        mine = kpi.skill_upgrade_counts(user=self.me, org=self.world.city_a, start=start, end=end)
        self.assertEqual(mine.total, 1)
        self.assertEqual(link.upgrade.org_id, self.tc.org_id)

    def test_a_lower_unit_user_cannot_record_for_the_citys_class(self) -> None:
        with self.assertRaises(BusinessError) as ctx:
            self.record(actor=self.world.county_operator)
        self.assertEqual(ctx.exception.field, "enrolment")

    def _json(self) -> dict[str, Any]:
        data = upgrade_data()
        data["issued_on"] = data["issued_on"].isoformat()
        return data


class RuleTests(UpgradeTestBase):
    def test_the_record_is_pseudonymised_and_the_link_names_the_trainee(self) -> None:
        link = self.record()
        row = link.upgrade
        self.assertEqual(row.source, "training")
        self.assertIsNone(row.session_id)
        self.assertEqual(row.worker_code, upgrades.trainee_code(self.seated.trainee))
        self.assertEqual(row.worker_initials, "")
        for value in (row.worker_code, row.certificate_no, row.issuer, str(row)):
            self.assertNotIn(self.data["name"], value)
            self.assertNotIn(self.data["id_number"], value)
        self.assertEqual(
            (row.issuer, row.issued_on), ("深圳市职业技能鉴定中心", upgrade_data()["issued_on"])
        )
        self.assertEqual(link.enrolment.trainee.name, self.data["name"])
        self.assertEqual((link.lecturer, link.org_id), (self.lecturer, self.tc.org_id))

    def test_a_waitlisted_or_withdrawn_trainee_is_refused(self) -> None:
        self.assertEqual(self.waiting.status, "waitlisted")
        with self.assertRaises(BusinessError) as ctx:
            self.record(self.waiting)
        self.assertEqual(ctx.exception.field, "enrolment")
        self.assertIn("候补", ctx.exception.message)
        classes.withdraw(actor=self.me, enrolment=self.seated)  # the waitlist is promoted
        self.seated.refresh_from_db()
        with self.assertRaises(BusinessError) as ctx:
            self.record(self.seated)
        self.assertIn("已退出", ctx.exception.message)
        self.assertFalse(SkillUpgrade.objects.exists())

    def test_a_lecturer_not_of_the_class_is_refused(self) -> None:
        other = make_lecturer(self.world.city_a, self.me)
        with self.assertRaises(BusinessError) as ctx:
            self.record(lecturer=other)
        self.assertEqual(ctx.exception.field, "lecturer")
        self.assertFalse(SkillUpgrade.objects.exists())
        self.assertIsNone(self.record(lecturer=None).lecturer)

    def test_a_class_not_started_is_refused(self) -> None:
        planned = make_class(self.world.city_a, self.me)
        enrolment = classes.enrol(actor=self.me, training_class=planned, worker=worker())
        with self.assertRaises(BusinessError) as ctx:
            self.record(enrolment, lecturer=None)
        self.assertEqual(ctx.exception.field, "enrolment")
        self.assertIn("开课后", ctx.exception.message)

    def test_equal_or_lower_levels_are_refused_naming_level_after(self) -> None:
        for after in ("intermediate_worker", "junior_worker"):
            with self.subTest(after=after), self.assertRaises(BusinessError) as ctx:
                self.record(level_after=after)
            self.assertEqual(ctx.exception.field, "level_after")
            self.assertIn("应高于原技能等级", ctx.exception.message)
        self.assertFalse(SkillUpgrade.objects.exists())
        # 一级/高级技师 is the top of the scale; no level before is a first certificate.
        self.record(level_before="technician", level_after="senior_technician")
        self.record(level_before="", level_after="junior_worker", occupation="6-20-01-01")
        self.assertEqual(SkillUpgrade.objects.count(), 2)

    def test_once_per_enrolment_and_occupation_and_a_real_certificate(self) -> None:
        self.record()
        with self.assertRaises(BusinessError) as ctx:
            self.record(level_before="senior_worker", level_after="technician")
        self.assertEqual(ctx.exception.field, "occupation")
        cases = [
            ({"certificate_no": ""}, "certificate_no"),
            ({"certificate_no": "X" * 65}, "certificate_no"),
            ({"issuer": ""}, "issuer"),
            ({"issued_on": START - dt.timedelta(days=1)}, "issued_on"),
            ({"issued_on": TODAY + dt.timedelta(days=1)}, "issued_on"),
            ({"issued_on": "2026-13-40"}, "issued_on"),
            ({"occupation": "9-99-99-99"}, "occupation"),
            ({"level_after": "grandmaster"}, "level_after"),
        ]
        for change, field in cases:
            with self.subTest(field=field, change=change), self.assertRaises(BusinessError) as ctx:
                self.record(**{"occupation": "6-20-01-01", **change})
            self.assertEqual(ctx.exception.field, field)
        self.assertEqual(SkillUpgrade.objects.count(), 1)

    def test_the_academy_admin_role_may_record_and_read_only_roles_may_not(self) -> None:
        admin = make_user(
            "academy_admin_a", self.world.city_a, Role.objects.get(code="academy_admin")
        )
        link = self.record(actor=admin)
        self.assertTrue(class_upgrades(user=admin, training_class=self.tc).filter(pk=link.pk))
        staff = make_user("union_staff_a", self.world.city_a, Role.objects.get(code="union_staff"))
        self.assertTrue(class_upgrades(user=staff, training_class=self.tc).filter(pk=link.pk))
        with self.assertRaises(BusinessError):
            self.record(actor=staff, occupation="6-20-01-01")


class CountTests(UpgradeTestBase):
    """The one count: session and training upgrades together, a certificate or a worker's level
    once a year, on the certificate date."""

    def session_upgrade(self, **extra: Any) -> SkillUpgrade:
        from jiangqiao.casework.tests.test_sessions import (
            accepted_offer,
            confirmed_match,
            record_data,
        )

        match = confirmed_match(self.world.county_a1, self.me)
        record = session_services.session_create(
            actor=self.me,
            offer=accepted_offer(match),
            data=record_data(date=TODAY - dt.timedelta(days=3)),
        )
        data = {
            "worker_code": "GH-0417",
            "occupation": "6-18-01-01",
            "level_before": "junior_worker",
            "level_after": "intermediate_worker",
            **extra,
        }
        return session_services.skill_upgrade_add(actor=self.me, record=record, data=data)

    def test_a_training_upgrade_counts_once_with_the_session_upgrades(self) -> None:
        start, end = TODAY - dt.timedelta(days=30), TODAY
        session_row = self.session_upgrade()
        self.assertEqual(session_row.org_id, self.world.county_a1.pk)
        self.assertEqual(session_row.issued_on, TODAY - dt.timedelta(days=3))
        self.record()
        count = kpi.skill_upgrade_counts(user=self.me, org=self.world.city_a, start=start, end=end)
        self.assertEqual(count.total, 2)
        self.assertEqual(count.by_source, {"session": 1, "training": 1})
        self.assertEqual(count.by_level, {"intermediate_worker": 1, "senior_worker": 1})
        # The campaign figures read the same count.
        figures = kpi.figures(user=self.me, org=self.world.city_a, start=start, end=end)
        self.assertEqual(figures["skill_upgrades"], 2)
        # A session recording the trainee's same certificate is the same upgrade: not counted again.
        self.session_upgrade(
            worker_code="GH-0999",
            level_before="intermediate_worker",
            level_after="senior_worker",
            certificate_no="y440300202600123",
        )
        again = kpi.skill_upgrade_counts(user=self.me, org=self.world.city_a, start=start, end=end)
        self.assertEqual(again.total, 2)
        # The rule is decided over all records: the session's copy of the certificate is a
        # duplicate wherever it is read, so the county counts its first session upgrade only and
        # the city's figure is the sum of its units' (the training upgrade is the city's own).
        county = kpi.skill_upgrade_counts(
            user=self.me, org=self.world.county_a1, start=start, end=end
        )
        self.assertEqual(county.by_source, {"session": 1})
        self.assertEqual(sum(unit["total"] for unit in again.by_org.values()), again.total)
        # The period follows the certificate date.
        early = kpi.skill_upgrade_counts(
            user=self.me, start=start, end=TODAY - dt.timedelta(days=4)
        )
        self.assertEqual(early.by_source, {"training": 1})

    def test_the_same_worker_reaching_the_same_level_twice_in_a_year_counts_once(self) -> None:
        first = self.session_upgrade()
        from jiangqiao.casework.tests.test_sessions import (
            accepted_offer,
            confirmed_match,
            record_data,
        )

        # A second session for the same enterprise's worker GH-0417, same occupation and level.
        match = confirmed_match(self.world.county_a1, self.me)
        from jiangqiao.demands.models import Demand

        Demand.objects.filter(pk=match.demand_id).update(
            enterprise_id=first.session.demand.enterprise_id  # type: ignore[union-attr]
        )
        record = session_services.session_create(
            actor=self.me, offer=accepted_offer(match), data=record_data(date=TODAY)
        )
        session_services.skill_upgrade_add(
            actor=self.me,
            record=record,
            data={
                "worker_code": "gh-0417",
                "occupation": "6-18-01-01",
                "level_after": "intermediate_worker",
            },
        )
        self.assertEqual(SkillUpgrade.objects.count(), 2)
        whole = kpi.skill_upgrade_counts(
            user=self.me, start=TODAY - dt.timedelta(days=30), end=TODAY
        )
        self.assertEqual(whole.total, 1)
        # The later record is a duplicate in its own period too.
        self.assertEqual(kpi.skill_upgrade_counts(user=self.me, start=TODAY, end=TODAY).total, 0)


class PageAndApiTests(UpgradeTestBase):
    def test_the_form_prefills_and_records_and_the_class_page_lists(self) -> None:
        self.login(self.me)
        url = reverse("academy:upgrade", args=[self.tc.pk, self.seated.pk])
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        body = page.content.decode()
        self.assertIn(self.data["name"], body)
        self.assertIn("技能等级证书编号", body)
        detail = self.client.get(self.tc.get_absolute_url()).content.decode()
        self.assertIn("尚未登记学员的技能提升", detail)
        self.assertIn(url, detail)
        self.assertNotIn(reverse("academy:upgrade", args=[self.tc.pk, self.waiting.pk]), detail)
        form = {
            **upgrade_data(),
            "issued_on": upgrade_data()["issued_on"].isoformat(),
            "lecturer": self.lecturer.pk,
        }
        bad = self.client.post(url, {**form, "level_after": "junior_worker"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("应高于原技能等级", bad.content.decode())
        done = self.client.post(url, form)
        self.assertRedirects(done, self.tc.get_absolute_url(), fetch_redirect_response=False)
        detail = self.client.get(self.tc.get_absolute_url()).content.decode()
        self.assertIn("Y440300202600123", detail)
        self.assertIn("深圳市职业技能鉴定中心", detail)
        self.assertNotIn(self.data["id_number"], detail)
        # A waitlisted trainee's form is refused with the reason.
        waiting = reverse("academy:upgrade", args=[self.tc.pk, self.waiting.pk])
        refused = self.client.post(waiting, form)
        self.assertEqual(refused.status_code, 400)
        self.assertIn("候补", refused.content.decode())

    def test_the_certificate_number_is_prefilled_from_the_trainees_certificate(self) -> None:
        classes.assess(actor=self.me, enrolment=self.seated, score=90)
        classes.class_move(actor=self.me, training_class=self.tc, to="finished")
        cert = classes.certificate_issue(actor=self.me, enrolment=self.seated)
        self.login(self.me)
        page = self.client.get(reverse("academy:upgrade", args=[self.tc.pk, self.seated.pk]))
        html = page.content.decode()
        self.assertIn(f'value="{cert.number}"', html)
        # The breadcrumb leads back to the class.
        self.assertIn(f'<li class="breadcrumb-item"><a href="{self.tc.get_absolute_url()}">', html)

    def test_the_api_lists_and_records(self) -> None:
        api = self.api(self.me)
        base = f"/api/v1/academy/classes/{self.tc.pk}/upgrades/"
        payload = {
            **upgrade_data(),
            "issued_on": upgrade_data()["issued_on"].isoformat(),
            "enrolment": self.seated.pk,
            "lecturer": self.lecturer.pk,
        }
        low = api.post(base, {**payload, "level_after": "intermediate_worker"}, format="json")
        self.assertEqual(low.status_code, 400)
        self.assertIn("level_after", low.content.decode())
        other = make_lecturer(self.world.city_a, self.me)
        wrong = api.post(base, {**payload, "lecturer": other.pk}, format="json")
        self.assertEqual(wrong.status_code, 400)
        self.assertIn("lecturer", wrong.content.decode())
        waiting = api.post(base, {**payload, "enrolment": self.waiting.pk}, format="json")
        self.assertEqual(waiting.status_code, 400)
        r = api.post(base, payload, format="json")
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["name"], self.data["name"])
        self.assertEqual(r.json()["level_after"], "senior_worker")
        listing = api.get(base)
        self.assertEqual([row["certificate_no"] for row in listing.json()], ["Y440300202600123"])
        self.assertNotIn(self.data["id_number"], listing.content.decode())
