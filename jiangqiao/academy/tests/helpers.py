"""Test data for the academy app, made through the services."""

from __future__ import annotations

import itertools
from typing import Any

from jiangqiao.academy import classes, services
from jiangqiao.academy.models import Academy, Course, Lecturer, TrainingClass
from jiangqiao.core.identifiers import make_uscc

_seq = itertools.count(1)


def next_no() -> int:
    return next(_seq)


def uscc(n: int | None = None) -> str:
    n = next_no() if n is None else n
    return make_uscc("5", "2", "440300", f"{n:08d}")


def make_academy(unit: Any, owner: Any, **extra: Any) -> Academy:
    data = {
        "name": f"工匠学院{next_no():04d}号",
        "level": "city",
        "academy_type": "hq",
        "host_name": "深圳技师学院",
        "host_uscc": uscc(),
        "industries": ["34"],
        "region_code": "440305",
        **extra,
    }
    return services.academy_create(actor=owner, org=unit, data=data)


def make_lecturer(unit: Any, owner: Any, academy: Academy | None = None, **extra: Any) -> Lecturer:
    academy = academy or make_academy(unit, owner)
    data = {"name": f"外聘专家{next_no():04d}号", "employer": "深圳大学", "title": "教授", **extra}
    return services.lecturer_create(actor=owner, academy=academy, data=data)


def course_data(**extra: Any) -> dict[str, Any]:
    n = next_no()
    return {
        "code": f"KC{n:04d}",
        "title": f"数控机床故障诊断与维修{n:04d}",
        "field": "precision_machining",
        "level": "intermediate",
        "hours": "16",
        "format": "practical",
        "industries": ["3421"],
        "occupation": "6-18-01-01",
        "skill_level": "senior_worker",
        "capacity": 30,
        "is_free": True,
        "assessment": "实操考核",
        "certificate_template": "结业证书（标准）",
        **extra,
    }


def make_course(
    unit: Any, owner: Any, academy: Academy | None = None, publish: bool = False, **extra: Any
) -> Course:
    academy = academy or make_academy(unit, owner)
    course = services.course_create(actor=owner, academy=academy, data=course_data(**extra))
    if publish:
        course = services.course_publish(actor=owner, course=course)
    return course


def make_class(
    unit: Any, owner: Any, academy: Academy | None = None, **extra: Any
) -> TrainingClass:
    """A class (计划中) of a published course, from 2026-05-04 to 2026-05-08."""
    academy = academy or make_academy(unit, owner)
    course = make_course(unit, owner, academy=academy, publish=True)
    data = {"start_date": "2026-05-04", "end_date": "2026-05-08", "capacity": 30, **extra}
    return classes.class_create(actor=owner, academy=academy, course=course, data=data)


def worker(n: int | None = None, **extra: Any) -> dict[str, Any]:
    from jiangqiao.talents.tests.helpers import id_number, mobile

    n = next_no() if n is None else n
    return {
        "name": f"学员{n:04d}",
        "id_number": id_number(5000 + n),
        "mobile": mobile(50000 + n),
        "employer_name": "深圳市精工机械有限公司",
        **extra,
    }


def competition_data(**extra: Any) -> dict[str, Any]:
    """A competition whose registration window is open today (closes in 5 days; the contest runs
    10–11 days from today)."""
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    return {
        "title": f"数控车工技能竞赛{next_no():04d}",
        "level": "city",
        "occupation": "6-18-01-01",
        "registration_start": today - dt.timedelta(days=5),
        "registration_end": today + dt.timedelta(days=5),
        "start_date": today + dt.timedelta(days=10),
        "end_date": today + dt.timedelta(days=11),
        "min_skill_level": "intermediate_worker",
        "max_skill_level": "technician",
        "max_participants": 50,
        **extra,
    }


def make_competition(unit: Any, owner: Any, *, open_: bool = False, **extra: Any) -> Any:
    from jiangqiao.academy import competitions

    c = competitions.competition_create(actor=owner, org=unit, data=competition_data(**extra))
    if open_:
        c = competitions.competition_move(actor=owner, competition=c, to="registering")
    return c


def contestant(n: int | None = None, **extra: Any) -> dict[str, Any]:
    """A worker's registration data (车工, 三级/高级工)."""
    return {**worker(n), "occupation": "6-18-01-01", "skill_level": "senior_worker", **extra}
