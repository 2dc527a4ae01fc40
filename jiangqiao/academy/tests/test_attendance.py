"""QR attendance, manual marking, hours by type, assessment and certificates (issue 15 point 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from jiangqiao.academy import classes
from jiangqiao.academy.models import Certificate, ClassSession, Enrolment, TrainingClass
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.testing.cases import WorldTestCase

from .helpers import make_class, worker


def at(day: str, hm: str) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(hm)),
        timezone.get_current_timezone(),
    )


class AttendanceTests(WorldTestCase):
    def setUp(self) -> None:
        self.me = self.world.city_admin_a
        self.tc = make_class(self.world.city_a, self.me, capacity=2)
        self.data = worker()
        self.e1 = classes.enrol(actor=self.me, training_class=self.tc, worker=self.data)
        self.e2 = classes.enrol(actor=self.me, training_class=self.tc, worker=worker())
        self.wait = classes.enrol(actor=self.me, training_class=self.tc, worker=worker())
        self.s1 = self.session("2026-05-04", "09:00", "12:00", "3", "theory")
        self.s2 = self.session("2026-05-05", "14:00", "17:00", "3", "practice")
        self.tc = classes.class_move(actor=self.me, training_class=self.tc, to="open")
        self.tc = classes.class_move(actor=self.me, training_class=self.tc, to="running")

    def session(self, day: str, start: str, end: str, hours: str, kind: str) -> ClassSession:
        return classes.session_add(
            actor=self.me,
            training_class=self.tc,
            data={
                "date": day,
                "start_time": start,
                "end_time": end,
                "hours": hours,
                "hour_type": kind,
            },
        )

    def scan(self, session: ClassSession, now: dt.datetime, **who: str) -> object:
        token = classes.checkin_token(session)
        return classes.checkin(class_pk=session.training_class_id, token=token, now=now, **who)

    def test_present_then_late_by_name_and_last4_of_id_or_mobile(self) -> None:
        token = classes.checkin_token(self.s1)
        # The token's own timestamp is "now"; the session's time is given as ``now``.
        a, created = classes.checkin(
            class_pk=self.tc.pk,
            token=token,
            name=self.data["name"],
            last4=self.data["id_number"][-4:],
            now=at("2026-05-04", "09:05"),
        )
        self.assertTrue(created)
        self.assertEqual((a.status, a.method), ("present", "qr"))
        again, created = classes.checkin(
            class_pk=self.tc.pk,
            token=token,
            name=self.data["name"],
            last4=self.data["id_number"][-4:],
            now=at("2026-05-04", "09:30"),
        )
        self.assertFalse(created)
        self.assertEqual(again.pk, a.pk)
        late, _ = classes.checkin(
            class_pk=self.tc.pk,
            token=token,
            name=self.e2.trainee.name,
            last4=self.e2.trainee.mobile[-4:],
            now=at("2026-05-04", "09:30"),
        )
        self.assertEqual(late.status, "late")

    def test_code_refused_after_the_session_for_another_class_forged_or_expired(self) -> None:
        name, last4 = self.data["name"], self.data["id_number"][-4:]
        token = classes.checkin_token(self.s1)
        cases = [
            (self.tc.pk, token, at("2026-05-04", "12:01"), "已于"),
            (self.tc.pk, token, at("2026-05-04", "07:00"), "开课前 60 分钟起可签到"),
            (self.tc.pk, token[:-2] + "xx", at("2026-05-04", "09:00"), "签到码无效"),
            (self.tc.pk, "abc", at("2026-05-04", "09:00"), "签到码无效"),
        ]
        other = make_class(self.world.city_a, self.me)
        cases.append((other.pk, token, at("2026-05-04", "09:00"), "不属于本班次"))
        other_session = classes.session_add(
            actor=self.me,
            training_class=other,
            data={"date": "2026-05-04", "start_time": "09:00", "end_time": "12:00", "hours": 3},
        )
        cases.append(
            (
                self.tc.pk,
                classes.checkin_token(other_session),
                at("2026-05-04", "09:00"),
                "不属于本班次",
            )
        )
        for class_pk, tok, now, text in cases:
            with self.subTest(text=text), self.assertRaises(BusinessError) as ctx:
                classes.checkin(class_pk=class_pk, token=tok, name=name, last4=last4, now=now)
            self.assertIn(text, ctx.exception.message)
        later = timezone.now() + classes.CHECKIN_CODE_TTL + dt.timedelta(seconds=5)
        with (
            mock.patch("django.core.signing.time.time", return_value=later.timestamp()),
            self.assertRaises(BusinessError) as ctx,
        ):
            classes.checkin(
                class_pk=self.tc.pk,
                token=token,
                name=name,
                last4=last4,
                now=at("2026-05-04", "09:00"),
            )
        self.assertIn("已过期", ctx.exception.message)
        self.assertFalse(self.e1.attendance.exists())

    def test_unknown_person_and_waitlisted_trainee_are_refused(self) -> None:
        token = classes.checkin_token(self.s1)
        now = at("2026-05-04", "09:00")
        with self.assertRaises(BusinessError) as ctx:
            classes.checkin(class_pk=self.tc.pk, token=token, name="张三", last4="1234", now=now)
        self.assertIn("未找到该学员", ctx.exception.message)
        with self.assertRaises(BusinessError) as ctx:
            classes.checkin(
                class_pk=self.tc.pk,
                token=token,
                name=self.wait.trainee.name,
                last4=self.wait.trainee.id_number[-4:],
                now=now,
            )
        self.assertIn("候补", ctx.exception.message)
        with self.assertRaises(BusinessError) as ctx:
            classes.checkin(class_pk=self.tc.pk, token=token, name="张三", last4="12", now=now)
        self.assertEqual(ctx.exception.field, "last4")

    def test_manual_marking_hours_by_type_assessment_and_certificates(self) -> None:
        classes.attendance_mark(actor=self.me, session=self.s1, enrolment=self.e1, status="present")
        classes.attendance_mark(actor=self.me, session=self.s2, enrolment=self.e1, status="late")
        classes.attendance_mark(actor=self.me, session=self.s1, enrolment=self.e2, status="absent")
        with self.assertRaises(BusinessError):
            classes.attendance_mark(
                actor=self.me, session=self.s1, enrolment=self.wait, status="present"
            )
        hours = classes.hours_for(self.e1)
        self.assertEqual(
            (hours["theory"], hours["practice"], hours["total"]),
            (Decimal("3.0"), Decimal("3.0"), Decimal("6.0")),
        )
        self.assertEqual(classes.hours_for(self.e2)["total"], Decimal("0"))
        e1 = classes.assess(actor=self.me, enrolment=self.e1, score="88")
        e2 = classes.assess(actor=self.me, enrolment=self.e2, score=45)
        self.assertEqual((e1.passed, e2.passed), (True, False))
        for bad in ("abc", 101, -1):
            with self.subTest(score=bad), self.assertRaises(BusinessError) as ctx:
                classes.assess(actor=self.me, enrolment=self.e2, score=bad)
            self.assertEqual(ctx.exception.field, "score")
        with self.assertRaises(BusinessError) as ctx:  # the class has not finished yet
            classes.certificate_issue(actor=self.me, enrolment=e1)
        self.assertIn("结业后", ctx.exception.message)
        classes.class_move(actor=self.me, training_class=self.tc, to="finished")
        issued = classes.certificates_issue_for_class(
            actor=self.me, training_class=self.tc, issued_on=dt.date(2026, 5, 8)
        )
        self.assertEqual(len(issued), 1)
        cert = issued[0]
        self.assertRegex(cert.number, r"^GDZS-2026-\d{6}$")
        self.assertEqual((cert.hours, cert.trainee_name), (Decimal("6.0"), e1.trainee.name))
        with self.assertRaises(BusinessError) as ctx:
            classes.certificate_issue(actor=self.me, enrolment=e2)
        self.assertIn("未通过考核", ctx.exception.message)
        with self.assertRaises(BusinessError):
            classes.certificate_issue(actor=self.me, enrolment=e1)
        self.assertEqual(
            classes.certificates_issue_for_class(actor=self.me, training_class=self.tc), []
        )

    def test_certificate_numbers_are_never_reused(self) -> None:
        academy = self.tc.academy
        first = classes.allocate_certificate_number(academy, 2026)
        second = classes.allocate_certificate_number(academy, 2026)
        self.assertNotEqual(first, second)
        self.assertEqual(int(second[-6:]), int(first[-6:]) + 1)
        self.assertEqual(classes.allocate_certificate_number(academy, 2027)[-6:], "000001")
        self.assertEqual(Certificate.objects.count(), 0)
        self.assertEqual(TrainingClass.objects.filter(pk=self.tc.pk).count(), 1)
        self.assertEqual(Enrolment.objects.filter(training_class=self.tc).count(), 3)
