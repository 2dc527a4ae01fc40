"""Demo classes of 深圳市工匠学院 (called by ``demo.build`` after the courses exist): a finished
class at the training base with attendance, results, certificates and three skill upgrades, a running class at the HQ
with a waitlist and attendance of its past sessions, and a class open for self-registration.
Dates are relative to today, so the demo always shows one class of each kind. Everything goes
through the class services, as staff would enter it."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from jiangqiao.core.identifiers import make_id_number

from . import classes
from .choices import AttendanceStatus, ClassStatus
from .class_models import Enrolment, TrainingClass
from .models import Academy, Course

#: (course code, class academy index in [hq, branch 1, branch 2, base], capacity, trainees,
#: first day relative to today, days, session dates relative to the first day, final status)
PLAN = (
    ("SZ012", 3, 20, 18, -50, 10, (0, 2, 7, 9), ClassStatus.FINISHED),
    ("SZ008", 0, 12, 14, -5, 19, (0, 3, 8, 12), ClassStatus.RUNNING),
    ("SZ005", 1, 40, 3, 20, 1, (0,), ClassStatus.OPEN),
)
SESSION_TIMES = ((dt.time(9, 0), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30)))


def _workers(
    rng: random.Random, count: int, enterprises: list[Any], seq: int
) -> list[dict[str, Any]]:
    from jiangqiao.demo.texts import person_name

    workers = []
    for i in range(count):
        enterprise = enterprises[i % len(enterprises)] if enterprises else None
        birth = dt.date(1975 + rng.randrange(25), 1 + rng.randrange(12), 1 + rng.randrange(28))
        workers.append(
            {
                "name": person_name(rng),
                "id_number": make_id_number("440305", birth, seq + i),
                "mobile": f"139{rng.randrange(10**8):08d}",
                "enterprise": enterprise,
                "employer_name": enterprise.name if enterprise else "",
                "employer_uscc": enterprise.uscc if enterprise else "",
            }
        )
    return workers


def build_classes(actor: Any, academies: list[Academy], *, seed: int = 2026) -> int:
    """The demo classes; returns the number of trainees enrolled."""
    from jiangqiao.demands.models import Enterprise

    rng = random.Random(seed)
    today = timezone.localdate()
    city = academies[0].org
    enterprises = list(
        Enterprise.objects.filter(org__path__startswith=city.path).order_by("pk")[:12]
    )
    enrolled = 0
    seq = 100
    for n, (code, where, capacity, count, first, days, offsets, final) in enumerate(PLAN):
        course = Course.objects.get(academy__in=academies, code=code)
        start = today + dt.timedelta(days=first)
        tc = classes.class_create(
            actor=actor,
            academy=academies[where],
            course=course,
            data={
                "title": f"{course.title}（{start.year}年第{n + 3}期）",
                "capacity": capacity,
                "start_date": start,
                "end_date": start + dt.timedelta(days=days),
                "place": academies[where].address or academies[where].name,
            },
        )
        per_session = (Decimal(course.hours) / len(offsets)).quantize(Decimal("0.5"))
        sessions = [
            classes.session_add(
                actor=actor,
                training_class=tc,
                data={
                    "date": start + dt.timedelta(days=offset),
                    "start_time": SESSION_TIMES[i % 2][0],
                    "end_time": SESSION_TIMES[i % 2][1],
                    "topic": f"第{i + 1}讲",
                    "hours": min(max(per_session, Decimal("0.5")), Decimal("8")),
                    "hour_type": "practice" if i % 2 else "theory",
                },
            )
            for i, offset in enumerate(offsets)
        ]
        classes.class_move(actor=actor, training_class=tc, to=ClassStatus.OPEN)
        for worker in _workers(rng, count, enterprises, seq):
            classes.enrol(actor=actor, training_class=tc, worker=worker)
            enrolled += 1
        seq += count
        if final == ClassStatus.OPEN:
            continue
        classes.class_move(actor=actor, training_class=tc, to=ClassStatus.RUNNING)
        seated = list(Enrolment.objects.filter(training_class=tc, status="enrolled").order_by("pk"))
        for session in sessions:
            if session.date >= today:
                continue
            for i, enrolment in enumerate(seated):
                roll = rng.random()
                status = (
                    AttendanceStatus.ABSENT
                    if roll < 0.06 or (i == len(seated) - 1 and final == ClassStatus.FINISHED)
                    else AttendanceStatus.LATE
                    if roll < 0.12
                    else AttendanceStatus.PRESENT
                )
                classes.attendance_mark(
                    actor=actor, session=session, enrolment=enrolment, status=status
                )
        if final != ClassStatus.FINISHED:
            continue
        for i, enrolment in enumerate(seated):
            score = 52 if i >= len(seated) - 2 else 66 + rng.randrange(32)
            classes.assess(actor=actor, enrolment=enrolment, score=score)
        classes.class_move(actor=actor, training_class=tc, to=ClassStatus.FINISHED)
        classes.certificates_issue_for_class(
            actor=actor, training_class=TrainingClass.objects.get(pk=tc.pk), issued_on=tc.end_date
        )
        _upgrades(actor, tc, seated[:3], issued_on=tc.end_date + dt.timedelta(days=7))
    return enrolled


def _upgrades(actor: Any, tc: TrainingClass, enrolments: list[Enrolment], issued_on: Any) -> None:
    """Three trainees of the finished class reach 三级/高级工 in the class's occupation."""
    from . import upgrades

    lecturer = tc.lecturers.first()
    for n, enrolment in enumerate(enrolments, start=1):
        upgrades.trainee_upgrade_record(
            actor=actor,
            enrolment=enrolment,
            lecturer=lecturer,
            occupation=tc.course.occupation or "6-18-01-01",
            level_before="intermediate_worker",
            level_after="senior_worker",
            certificate_no=f"Y4403002026{n:05d}",
            issuer="深圳市职业技能鉴定指导中心",
            issued_on=issued_on,
        )
