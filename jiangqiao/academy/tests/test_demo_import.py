"""The academy demo builder and the academy sheet import."""

from __future__ import annotations

from django.utils import timezone

from jiangqiao.academy import demo
from jiangqiao.academy.class_models import Attendance, Certificate, TraineeUpgrade, TrainingClass
from jiangqiao.academy.io import AcademyImporter
from jiangqiao.academy.models import Academy, Competition, Course, Innovation, Lecturer, Score
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.orgs.models import Organization
from jiangqiao.talents.tests.helpers import make_craftsman

from .helpers import uscc


class DemoTests(WorldTestCase):
    def test_demo_builds_hq_branches_base_lecturers_and_courses(self) -> None:
        w = self.world
        Organization.objects.filter(pk=w.city_a.pk).update(region_code="440300")
        for _ in range(3):
            make_craftsman(w.county_a1, w.city_admin_a)
        made = demo.build(w.superuser)
        self.assertGreaterEqual(made, 30)
        hq = Academy.objects.get(name="深圳市工匠学院")
        self.assertEqual(hq.children.filter(academy_type="branch").count(), 2)
        self.assertTrue(Academy.objects.filter(academy_type="training_base").exists())
        self.assertEqual(Lecturer.objects.filter(kind="external").count(), 2)
        self.assertEqual(Lecturer.objects.filter(kind="craftsman").count(), 3)
        self.assertEqual(Course.objects.filter(status="published").count(), made)
        # Three classes: finished (18 trainees, the last two failed → 16 certificates), running
        # (capacity 12, 14 enrolled → 2 on the waitlist), open for registration.
        # (orders and the competition add classes of their own; these are the three of demo_classes)
        by_status = {
            tc.status: tc
            for tc in TrainingClass.objects.filter(title__regex=r"\(\d{4}年第\d+期\)$")
        }
        self.assertEqual(set(by_status), {"finished", "running", "open"})
        finished = by_status["finished"]
        self.assertEqual(finished.academy.academy_type, "training_base")
        self.assertEqual(finished.enrolments.filter(status="enrolled").count(), 18)
        self.assertEqual(Certificate.objects.filter(enrolment__training_class=finished).count(), 16)
        self.assertEqual(
            TraineeUpgrade.objects.filter(enrolment__training_class=finished).count(), 3
        )
        self.assertEqual(
            Attendance.objects.filter(session__training_class=finished).count(), 18 * 4
        )
        running = by_status["running"]
        self.assertEqual(running.enrolments.filter(status="waitlisted").count(), 2)
        past = running.sessions.filter(date__lt=timezone.localdate()).count()
        self.assertEqual(
            Attendance.objects.filter(session__training_class=running).count(), 12 * past
        )
        classes_made = TrainingClass.objects.count()
        self.assertEqual(demo.build(w.superuser), 0)  # idempotent
        self.assertEqual(TrainingClass.objects.count(), classes_made)

    def test_demo_orders_of_the_enterprise_contact_in_every_state(self) -> None:
        from jiangqiao.academy.choices import OrderStatus
        from jiangqiao.academy.models import TrainingOrder

        from .helpers import make_contact

        w = self.world
        Organization.objects.filter(pk=w.city_a.pk).update(region_code="440300")
        for _ in range(3):
            make_craftsman(w.county_a1, w.city_admin_a)
        contact, enterprise = make_contact(w.county_a1, "ent_contact")
        demo.build(w.superuser)
        orders = TrainingOrder.objects.filter(enterprise=enterprise)
        self.assertEqual(set(orders.values_list("status", flat=True)), set(OrderStatus.values))
        self.assertTrue(all(o.placed_by == contact for o in orders))
        delivered = orders.get(status="delivered")
        self.assertEqual(delivered.training_class.status, "finished")  # type: ignore[union-attr]

    def test_demo_competition_is_published_with_a_linked_class_and_innovations(self) -> None:
        w = self.world
        Organization.objects.filter(pk=w.city_a.pk).update(region_code="440300")
        for _ in range(4):
            make_craftsman(w.county_a1, w.city_admin_a, employer_uscc=uscc())
        demo.build(w.superuser)
        c = Competition.objects.get(title="2026年深圳市数控车工职业技能竞赛")
        self.assertEqual(c.status, "published")
        self.assertEqual((c.judges.count(), c.contestants.count()), (5, 8))
        self.assertEqual(c.classes.count(), 1)
        self.assertEqual(c.contestants.filter(award="first").count(), 1)
        self.assertFalse(c.contestants.filter(final_score__isnull=True).exists())
        recused = [j for j in c.judges.all() for x in c.contestants.all() if j.recused_from(x)]
        self.assertEqual(len(recused), 1)
        self.assertEqual(Score.objects.filter(competition=c).count(), 5 * 8 - 1)
        self.assertEqual(
            sorted(Innovation.objects.values_list("status", flat=True)),
            ["approved", "completed", "ongoing"],
        )


class ImportTests(WorldTestCase):
    def test_import_rows_with_a_bad_uscc_reported(self) -> None:
        from jiangqiao.core.io import services as io_services

        names = [n for n in dir(io_services) if not n.startswith("_")]
        self.assertTrue(names)
        importer = AcademyImporter(user=self.world.city_admin_a)
        good = importer.prepare(
            {"name": "导入学院", "level": "city", "academy_type": "hq", "host_uscc": uscc()}
        )
        self.assertEqual(good["org_id"], self.world.city_a.pk)
        from jiangqiao.core.io.engine import RowError

        with self.assertRaises(RowError) as ctx:
            importer.prepare(
                {"name": "坏代码", "level": "city", "academy_type": "hq", "host_uscc": "123"}
            )
        self.assertEqual(ctx.exception.problems[0][0], "host_uscc")
