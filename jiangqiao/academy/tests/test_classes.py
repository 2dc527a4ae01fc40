"""Classes, sessions, trainees, enrolment with capacity and waitlist (issue 15 point 5)."""

from __future__ import annotations

from jiangqiao.academy import classes
from jiangqiao.academy.models import Enrolment, Trainee, TrainingClass
from jiangqiao.core.crypto import blind_index
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import WorldTestCase

from .helpers import make_academy, make_class, make_course, worker


class ClassTests(WorldTestCase):
    def test_class_at_a_training_base_of_a_published_course(self) -> None:
        w = self.world
        hq = make_academy(w.city_a, w.city_admin_a)
        base = make_academy(w.city_a, w.city_admin_a, academy_type="training_base", parent=hq)
        course = make_course(w.city_a, w.city_admin_a, academy=hq, publish=True)
        tc = classes.class_create(
            actor=w.city_admin_a,
            academy=base,
            course=course,
            data={"start_date": "2026-05-04", "end_date": "2026-05-08"},
        )
        self.assertEqual((tc.org, tc.capacity, tc.title), (w.city_a, 30, course.title))
        self.assertTrue(tc.code.startswith("BC2026-"))
        self.assertEqual(tc.course_edition, 1)
        self.assertEqual(tc.status, "planned")

    def test_draft_course_and_bad_dates_are_refused(self) -> None:
        w = self.world
        academy = make_academy(w.city_a, w.city_admin_a)
        draft = make_course(w.city_a, w.city_admin_a, academy=academy)
        with self.assertRaises(BusinessError) as ctx:
            classes.class_create(
                actor=w.city_admin_a,
                academy=academy,
                course=draft,
                data={"start_date": "2026-05-04", "end_date": "2026-05-08"},
            )
        self.assertEqual(ctx.exception.field, "course")
        course = make_course(w.city_a, w.city_admin_a, academy=academy, publish=True)
        with self.assertRaises(BusinessError) as ctx:
            classes.class_create(
                actor=w.city_admin_a,
                academy=academy,
                course=course,
                data={"start_date": "2026-05-08", "end_date": "2026-05-04"},
            )
        self.assertEqual(ctx.exception.field, "end_date")

    def test_out_of_scope_academy_is_refused(self) -> None:
        w = self.world
        tc = make_class(w.city_b, w.city_admin_b)
        with self.assertRaises(ScopeViolation):
            classes.class_update(actor=w.city_admin_a, training_class=tc, data={"title": "改"})
        with self.assertRaises(ScopeViolation):
            classes.enrol(actor=w.city_admin_a, training_class=tc, worker=worker())

    def test_state_table(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a)
        with self.assertRaises(BusinessError) as ctx:
            classes.class_move(actor=w.city_admin_a, training_class=tc, to="finished")
        self.assertIn("计划中的班次不能改为已结束", ctx.exception.message)
        tc = classes.class_move(actor=w.city_admin_a, training_class=tc, to="open")
        with self.assertRaises(BusinessError) as ctx:  # no session yet
            classes.class_move(actor=w.city_admin_a, training_class=tc, to="running")
        self.assertIn("课次", ctx.exception.message)
        classes.session_add(
            actor=w.city_admin_a,
            training_class=tc,
            data={"date": "2026-05-04", "start_time": "09:00", "end_time": "12:00", "hours": 3},
        )
        tc = classes.class_move(actor=w.city_admin_a, training_class=tc, to="running")
        tc = classes.class_move(actor=w.city_admin_a, training_class=tc, to="finished")
        with self.assertRaises(BusinessError):
            classes.class_move(actor=w.city_admin_a, training_class=tc, to="cancelled")

    def test_sessions_within_dates_and_times_ordered(self) -> None:
        w = self.world
        tc = make_class(w.city_a, w.city_admin_a)
        base = {"date": "2026-05-05", "start_time": "09:00", "end_time": "12:00", "hours": "3"}
        session = classes.session_add(
            actor=w.city_admin_a, training_class=tc, data={**base, "hour_type": "practice"}
        )
        self.assertEqual((session.hour_type, str(session.hours)), ("practice", "3.0"))
        for change, field in (
            ({"date": "2026-06-01"}, "date"),
            ({"end_time": "08:00"}, "end_time"),
            ({"hours": "0"}, "hours"),
            ({"hours": "abc"}, "hours"),
            ({"hour_type": "x"}, "hour_type"),
            ({"start_time": "9点"}, "start_time"),
        ):
            with self.subTest(change=change), self.assertRaises(BusinessError) as ctx:
                classes.session_add(
                    actor=w.city_admin_a, training_class=tc, data={**base, **change}
                )
            self.assertEqual(ctx.exception.field, field)


class EnrolmentTests(WorldTestCase):
    def setUp(self) -> None:
        self.me = self.world.city_admin_a
        self.tc = make_class(self.world.city_a, self.me, capacity=2)

    def enrol(self, **extra: object) -> Enrolment:
        return classes.enrol(actor=self.me, training_class=self.tc, worker=worker(**extra))

    def test_trainee_identifiers_are_encrypted_and_indexed(self) -> None:
        data = worker()
        enrolment = classes.enrol(actor=self.me, training_class=self.tc, worker=data)
        trainee = enrolment.trainee
        self.assertEqual(trainee.id_number, data["id_number"])
        self.assertEqual(
            trainee.id_number_index, blind_index(data["id_number"], purpose="id_number")
        )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id_number, mobile FROM academy_trainee WHERE id = %s", [trainee.pk]
            )
            raw_id, raw_mobile = cursor.fetchone()
        self.assertNotIn(data["id_number"], raw_id)
        self.assertNotIn(data["mobile"], raw_mobile)

    def test_over_capacity_goes_to_the_waitlist_and_is_promoted_in_order(self) -> None:
        first, second = self.enrol(), self.enrol()
        third, fourth = self.enrol(), self.enrol()
        self.assertEqual(
            [e.status for e in (first, second, third, fourth)],
            ["enrolled", "enrolled", "waitlisted", "waitlisted"],
        )
        promoted = classes.withdraw(actor=self.me, enrolment=first)
        self.assertEqual([e.pk for e in promoted], [third.pk])
        fourth.refresh_from_db()
        self.assertEqual(fourth.status, "waitlisted")
        # A larger capacity promotes the rest; a smaller one than the seats taken is refused.
        classes.class_update(actor=self.me, training_class=self.tc, data={"capacity": 3})
        fourth.refresh_from_db()
        self.assertEqual(fourth.status, "enrolled")
        with self.assertRaises(BusinessError) as ctx:
            classes.class_update(actor=self.me, training_class=self.tc, data={"capacity": 1})
        self.assertEqual(ctx.exception.field, "capacity")
        self.assertIn("3 人", ctx.exception.message)

    def test_bad_id_number_mobile_and_duplicates_name_the_field(self) -> None:
        data = worker()
        bad_id = data["id_number"][:-1] + ("0" if data["id_number"][-1] != "0" else "1")
        for change, field in (
            ({"id_number": bad_id}, "id_number"),
            ({"id_number": ""}, "id_number"),
            ({"mobile": "1234"}, "mobile"),
            ({"name": ""}, "name"),
            ({"employer_uscc": "123"}, "employer_uscc"),
        ):
            with self.subTest(change=change), self.assertRaises(BusinessError) as ctx:
                classes.enrol(actor=self.me, training_class=self.tc, worker={**data, **change})
            self.assertEqual(ctx.exception.field, field)
            self.assertNotIn("Traceback", ctx.exception.message)
            if field == "employer_uscc":  # the employer's code, not the academy host's
                self.assertTrue(ctx.exception.message.startswith("工作单位统一社会信用代码"))
        classes.enrol(actor=self.me, training_class=self.tc, worker=data)
        with self.assertRaises(BusinessError) as ctx:
            classes.enrol(actor=self.me, training_class=self.tc, worker=data)
        self.assertEqual(ctx.exception.field, "id_number")
        self.assertIn("已在本班次名单中（已报名）", ctx.exception.message)
        self.assertEqual(Trainee.objects.filter(org=self.world.city_a).count(), 1)
        other = make_class(self.world.city_a, self.me)
        again = classes.enrol(actor=self.me, training_class=other, worker=data)
        self.assertEqual(again.trainee_id, Trainee.objects.get().pk)  # one trainee per unit

    def test_withdrawn_trainee_may_enrol_again_at_the_back_of_the_queue(self) -> None:
        data = worker()
        first = classes.enrol(actor=self.me, training_class=self.tc, worker=data)
        self.enrol()
        classes.withdraw(actor=self.me, enrolment=first)
        self.enrol()
        again = classes.enrol(actor=self.me, training_class=self.tc, worker=data)
        self.assertEqual((again.pk, again.status), (first.pk, "waitlisted"))

    def test_finished_or_cancelled_class_takes_no_enrolment(self) -> None:
        classes.class_move(actor=self.me, training_class=self.tc, to="cancelled")
        with self.assertRaises(BusinessError) as ctx:
            self.enrol()
        self.assertIn("已取消", ctx.exception.message)

    def test_self_registration_needs_an_open_class_consent_and_a_mobile(self) -> None:
        data = worker()
        with self.assertRaises(BusinessError) as ctx:
            classes.self_register(token=self.tc.signup_token, worker=data, consent=True)
        self.assertIn("现在不能报名", ctx.exception.message)
        classes.class_move(actor=self.me, training_class=self.tc, to="open")
        with self.assertRaises(BusinessError) as ctx:
            classes.self_register(token=self.tc.signup_token, worker=data, consent=False)
        self.assertEqual(ctx.exception.field, "consent")
        with self.assertRaises(BusinessError) as ctx:
            classes.self_register(
                token=self.tc.signup_token, worker={**data, "mobile": ""}, consent=True
            )
        self.assertEqual(ctx.exception.field, "mobile")
        with self.assertRaises(BusinessError) as ctx:
            classes.self_register(token="nope", worker=data, consent=True)
        self.assertIn("报名链接无效", ctx.exception.message)
        enrolment, key = classes.self_register(
            token=self.tc.signup_token, worker=data, consent=True
        )
        self.assertEqual((enrolment.source, enrolment.status), ("self", "enrolled"))
        self.assertIsNotNone(enrolment.consent_at)
        self.assertNotEqual(enrolment.self_key, key)  # only a hash is stored
        self.assertEqual(TrainingClass.objects.get(pk=self.tc.pk).enrolments.count(), 1)
