"""Trainee satisfaction: the public evaluation page (identity as at the QR check-in, stars and
comment checks, once per enrolment with replacement), the lecturer rating kept up to date across
classes, and the staff view (average and comments on the class page, another unit's is 404)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from unittest import mock

from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from jiangqiao.academy import classes, evaluations
from jiangqiao.academy.models import (
    ClassEvaluation,
    Enrolment,
    Lecturer,
    LecturerRating,
    TrainingClass,
)
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.testing.cases import DataScopeMatrixTests, WorldTestCase

from .helpers import make_academy, make_course, make_lecturer, next_no, worker


class EvaluationCase(WorldTestCase):
    def setUp(self) -> None:
        cache.clear()
        w = self.world
        self.academy = make_academy(w.city_a, w.city_admin_a)
        self.l1 = make_lecturer(w.city_a, w.city_admin_a, academy=self.academy)
        self.l2 = make_lecturer(w.city_a, w.city_admin_a, academy=self.academy)
        self.tc = self.make_class([self.l1, self.l2])

    def make_class(self, lecturers: list[Lecturer], capacity: int = 30) -> TrainingClass:
        w = self.world
        course = make_course(w.city_a, w.city_admin_a, academy=self.academy, publish=True)
        return classes.class_create(
            actor=w.city_admin_a,
            academy=self.academy,
            course=course,
            data={"start_date": "2026-05-04", "end_date": "2026-05-08", "capacity": capacity},
            lecturers=lecturers,
        )

    def start(self, tc: TrainingClass, day: str = "2026-05-04") -> TrainingClass:
        """Schedule one session (on ``day``: a lecturer's two classes may not meet at once)."""
        admin = self.world.city_admin_a
        classes.session_add(
            actor=admin,
            training_class=tc,
            data={"date": day, "start_time": "09:00", "end_time": "12:00", "hours": 3},
        )
        classes.class_move(actor=admin, training_class=tc, to="open")
        return classes.class_move(actor=admin, training_class=tc, to="running")

    def enrol(self, tc: TrainingClass) -> tuple[Enrolment, dict[str, Any]]:
        person = worker(next_no() * 100)
        e = classes.enrol(actor=self.world.city_admin_a, training_class=tc, worker=person)
        return e, person

    def submit(self, tc: TrainingClass, person: dict[str, Any], **extra: Any) -> Any:
        data: dict[str, Any] = {
            "class_pk": tc.pk,
            "token": evaluations.evaluation_token(tc),
            "name": person["name"],
            "last4": person["id_number"][-4:],
            "course_stars": 5,
            "lecturer_stars": {lec.pk: 4 for lec in tc.lecturers.all()},
            **extra,
        }
        return evaluations.evaluation_submit(**data)


class TestEvaluationRules(EvaluationCase):
    def test_bad_stars_and_comment_are_refused_naming_the_field(self) -> None:
        tc = self.start(self.tc)
        _, person = self.enrol(tc)
        for bad in (0, 6, "abc", "", None, "4.5", -1, "²", "٤"):
            with self.assertRaises(BusinessError) as ctx:
                self.submit(tc, person, course_stars=bad)
            self.assertEqual(ctx.exception.field, "course_stars", bad)
            self.assertIn("课程评分", ctx.exception.message)
        with self.assertRaises(BusinessError) as ctx:
            self.submit(tc, person, lecturer_stars={self.l1.pk: 6, self.l2.pk: 3})
        self.assertEqual(ctx.exception.field, f"lecturer_{self.l1.pk}")
        with self.assertRaises(BusinessError) as ctx:  # one lecturer not rated
            self.submit(tc, person, lecturer_stars={self.l1.pk: 3})
        self.assertEqual(ctx.exception.field, f"lecturer_{self.l2.pk}")
        outsider = make_lecturer(self.world.city_a, self.world.city_admin_a, academy=self.academy)
        with self.assertRaises(BusinessError) as ctx:
            self.submit(tc, person, lecturer_stars={self.l1.pk: 3, self.l2.pk: 3, outsider.pk: 5})
        self.assertEqual(ctx.exception.field, "lecturer_stars")
        with self.assertRaises(BusinessError) as ctx:
            self.submit(tc, person, comment="好" * 501)
        self.assertEqual(ctx.exception.field, "comment")
        self.assertFalse(ClassEvaluation.objects.exists())
        self.submit(tc, person, comment="好" * 500)
        self.assertEqual(ClassEvaluation.objects.get().comment, "好" * 500)

    def test_waitlisted_withdrawn_and_wrong_identity_are_refused(self) -> None:
        tc = self.make_class([self.l1], capacity=1)
        seated, person = self.enrol(tc)
        _, waiting = self.enrol(tc)
        tc = self.start(tc)
        with self.assertRaises(BusinessError) as ctx:
            self.submit(tc, waiting)
        self.assertIn("候补名单中，尚未获得名额，不能评价", ctx.exception.message)
        with self.assertRaises(BusinessError) as ctx:
            self.submit(tc, person, last4="0000")
        self.assertIn("未找到该学员", ctx.exception.message)
        with self.assertRaises(BusinessError):
            self.submit(tc, {**person, "name": "冒名者"})
        with self.assertRaises(BusinessError):
            self.submit(tc, person, last4="", name="", self_key="not-a-key")
        classes.withdraw(actor=self.world.city_admin_a, enrolment=seated)  # the waitlist moves up
        with self.assertRaises(BusinessError) as ctx:
            self.submit(tc, person)
        self.assertIn("您已退出本班次，不能评价", ctx.exception.message)
        self.submit(tc, waiting)  # now seated
        self.assertEqual(ClassEvaluation.objects.get().enrolment.trainee.name, waiting["name"])

    def test_not_before_the_class_started_nor_with_a_forged_link(self) -> None:
        _, person = self.enrol(self.tc)
        with self.assertRaises(BusinessError) as ctx:  # 计划中
            self.submit(self.tc, person)
        self.assertIn("开课后才能评价", ctx.exception.message)
        classes.class_move(actor=self.world.city_admin_a, training_class=self.tc, to="open")
        with self.assertRaises(BusinessError) as ctx:  # 报名中
            self.submit(self.tc, person)
        self.assertIn("开课后才能评价", ctx.exception.message)
        other = self.make_class([self.l1])
        for token in ("forged", evaluations.evaluation_token(other)):
            with self.assertRaises(BusinessError) as ctx:
                self.submit(self.tc, person, token=token)
            self.assertIn("评价链接无效", ctx.exception.message)
        classes.class_move(actor=self.world.city_admin_a, training_class=self.tc, to="cancelled")
        with self.assertRaises(BusinessError) as ctx:
            self.submit(self.tc, person)
        self.assertIn("已取消", ctx.exception.message)
        self.assertFalse(ClassEvaluation.objects.exists())

    def test_the_link_of_a_class_is_stable_and_earlier_timestamped_links_still_work(self) -> None:
        tc = self.start(self.tc)
        with mock.patch("django.core.signing.time.time", return_value=1_700_000_000):
            first = evaluations.evaluation_url(tc)
        with mock.patch("django.core.signing.time.time", return_value=1_800_000_000):
            self.assertEqual(evaluations.evaluation_url(tc), first)
        legacy = signing.dumps({"c": tc.pk}, salt=evaluations.EVALUATION_SALT)
        self.assertEqual(evaluations.read_evaluation(tc.pk, legacy), tc)
        token = evaluations.evaluation_token(tc)
        self.assertEqual(evaluations.read_evaluation(tc.pk, token), tc)
        for bad in (token[:-2] + "xx", legacy[:-2] + "xx", token.replace(":", "::"), "a:b:c:d"):
            with self.assertRaises(BusinessError) as ctx:
                evaluations.read_evaluation(tc.pk, bad)
            self.assertIn("评价链接无效", ctx.exception.message)

    def test_finished_class_can_be_rated_and_a_second_submission_replaces_the_first(self) -> None:
        tc = self.start(self.tc)
        _, person = self.enrol(tc)
        first, created = self.submit(tc, person, course_stars=2, comment="太快")
        self.assertTrue(created)
        tc = classes.class_move(actor=self.world.city_admin_a, training_class=tc, to="finished")
        again, created = self.submit(tc, person, course_stars=4, comment="复习后理解了")
        self.assertFalse(created)
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(ClassEvaluation.objects.count(), 1)
        self.assertEqual(LecturerRating.objects.count(), 2)
        self.assertEqual((again.course_stars, again.comment), (4, "复习后理解了"))

    def test_lecturer_rating_is_the_average_over_all_classes(self) -> None:
        a = self.start(self.tc)
        b = self.start(self.make_class([self.l1]), day="2026-05-05")
        _, p1 = self.enrol(a)
        _, p2 = self.enrol(a)
        _, p3 = self.enrol(b)
        self.submit(a, p1, lecturer_stars={self.l1.pk: 5, self.l2.pk: 3})
        self.submit(a, p2, lecturer_stars={self.l1.pk: 4, self.l2.pk: 2})
        self.submit(b, p3, lecturer_stars={self.l1.pk: 1})
        self.l1.refresh_from_db()
        self.l2.refresh_from_db()
        self.assertEqual((self.l1.rating, self.l1.rating_count), (Decimal("3.33"), 3))
        self.assertEqual((self.l2.rating, self.l2.rating_count), (Decimal("2.50"), 2))
        # A changed rating replaces the old one: still 3 ratings, a new average.
        self.submit(a, p1, lecturer_stars={self.l1.pk: 2, self.l2.pk: 3})
        self.l1.refresh_from_db()
        self.assertEqual((self.l1.rating, self.l1.rating_count), (Decimal("2.33"), 3))
        # A lecturer removed from the class keeps his earlier ratings until they are replaced.
        classes.class_update(
            actor=self.world.city_admin_a, training_class=a, data={}, lecturers=[self.l1]
        )
        self.submit(a, p2, lecturer_stars={self.l1.pk: 5})
        self.l2.refresh_from_db()
        self.assertEqual((self.l2.rating, self.l2.rating_count), (Decimal("3.00"), 1))


class TestEvaluationPages(EvaluationCase):
    def test_phone_page_flow_and_cookie_identity(self) -> None:
        tc = self.start(self.tc)
        _, person = self.enrol(tc)
        url = evaluations.evaluation_url(tc)
        page = self.client.get(url)
        self.assertContains(page, "课程评分")
        self.assertContains(page, str(self.l1))
        self.assertContains(page, 'name="viewport"')
        bad = self.client.post(
            url,
            {
                "name": person["name"],
                "last4": person["id_number"][-4:],
                f"lecturer_{self.l1.pk}": "2",
            },
        )
        self.assertContains(bad, "课程评分：请选择 1 至 5 星", status_code=400)
        self.assertContains(bad, f'id="lec_{self.l1.pk}_2" value="2" checked', status_code=400)
        good = {
            "name": person["name"],
            "last4": person["mobile"][-4:],
            "course_stars": "5",
            f"lecturer_{self.l1.pk}": "4",
            f"lecturer_{self.l2.pk}": "3",
            "comment": "实操讲得很透",
        }
        self.assertContains(self.client.post(url, good), "感谢您的评价")
        self.assertContains(self.client.post(url, good), "已更新您的评价")
        self.assertEqual(ClassEvaluation.objects.count(), 1)
        # Before the class starts the page refuses outright.
        planned = self.make_class([self.l1])
        refused = self.client.get(evaluations.evaluation_url(planned))
        self.assertContains(refused, "开课后才能评价", status_code=400)

    def test_self_registration_cookie_identifies_the_trainee(self) -> None:
        tc = self.make_class([self.l1])
        classes.class_move(actor=self.world.city_admin_a, training_class=tc, to="open")
        person = worker(next_no() * 100)
        signup = self.client.post(
            reverse("academy:signup", args=[tc.signup_token]), {**person, "consent": "on"}
        )
        self.assertEqual(signup.status_code, 200)
        tc = self.start_running(tc)
        response = self.client.post(
            evaluations.evaluation_url(tc),
            {"use_key": "1", "course_stars": "3", f"lecturer_{self.l1.pk}": "5"},
        )
        self.assertContains(response, "感谢您的评价")
        self.assertEqual(ClassEvaluation.objects.get().enrolment.trainee.name, person["name"])

    def start_running(self, tc: TrainingClass) -> TrainingClass:
        admin = self.world.city_admin_a
        classes.session_add(
            actor=admin,
            training_class=tc,
            data={"date": "2026-05-04", "start_time": "09:00", "end_time": "12:00", "hours": 3},
        )
        return classes.class_move(actor=admin, training_class=tc, to="running")

    def test_failed_attempts_are_rate_limited(self) -> None:
        tc = self.start(self.tc)
        url = evaluations.evaluation_url(tc)
        for _ in range(30):
            self.client.post(url, {"name": "某人", "last4": "0000", "course_stars": "5"})
        response = self.client.post(url, {"name": "某人", "last4": "0000", "course_stars": "5"})
        self.assertContains(response, "尝试次数过多", status_code=429)

    def test_staff_see_average_and_comments_another_unit_does_not(self) -> None:
        w = self.world
        tc = self.start(self.tc)
        _, p1 = self.enrol(tc)
        _, p2 = self.enrol(tc)
        self.submit(tc, p1, course_stars=5, comment="案例丰富，建议加课时")
        self.submit(tc, p2, course_stars=4)
        self.login(w.city_admin_a)
        page = self.client.get(tc.get_absolute_url())
        self.assertContains(page, "学员评价（2）")
        self.assertContains(page, "4.50 星")
        self.assertContains(page, "案例丰富，建议加课时")
        self.assertNotContains(page, f"{p1['name']}</span> 案例")  # comments are anonymous
        qr = self.client.get(reverse("academy:evaluation_qr", args=[tc.pk]))
        self.assertContains(qr, "<svg")
        self.assertContains(qr, evaluations.evaluation_url(tc))
        # Another city's staff: 404 on the class page and the code page, nothing by selector.
        self.client.logout()
        self.login(w.city_admin_b)
        self.assertEqual(self.client.get(tc.get_absolute_url()).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("academy:evaluation_qr", args=[tc.pk])).status_code, 404
        )
        self.assertFalse(evaluations.evaluations_for(user=w.city_admin_b, training_class=tc))
        summary = evaluations.class_evaluation_summary(user=w.city_admin_b, training_class=tc)
        self.assertEqual((summary["count"], summary["comments"]), (0, []))
        mine = evaluations.class_evaluation_summary(user=w.city_admin_a, training_class=tc)
        self.assertEqual(mine["count"], 2)


class TestEvaluationScope(DataScopeMatrixTests):
    __test__ = True
    model = ClassEvaluation
    owner_scoped = False  # written by the trainee on the public page, not by a user

    def make_row(self, unit: Any, owner: Any) -> ClassEvaluation:
        course = make_course(unit, owner, publish=True)
        tc = classes.class_create(
            actor=owner,
            academy=course.academy,
            course=course,
            data={"start_date": "2026-05-04", "end_date": "2026-05-08"},
            lecturers=[],
        )
        person = worker(next_no() * 100)
        classes.enrol(actor=owner, training_class=tc, worker=person)
        classes.session_add(
            actor=owner,
            training_class=tc,
            data={"date": "2026-05-04", "start_time": "09:00", "end_time": "12:00", "hours": 3},
        )
        classes.class_move(actor=owner, training_class=tc, to="open")
        classes.class_move(actor=owner, training_class=tc, to="running")
        evaluation, _ = evaluations.evaluation_submit(
            class_pk=tc.pk,
            token=evaluations.evaluation_token(tc),
            name=person["name"],
            last4=person["id_number"][-4:],
            course_stars=3,
        )
        return evaluation
