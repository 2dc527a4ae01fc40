"""Test data for the academy app, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

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


def order_data(**extra: Any) -> dict[str, Any]:
    """An order's own fields: 20 trainees at the academy, two weeks from today for a month."""
    import datetime as dt

    from django.utils import timezone

    start = timezone.localdate() + dt.timedelta(days=14)
    return {
        "trainees_planned": 20,
        "period_from": start,
        "period_to": start + dt.timedelta(days=30),
        "site": "academy",
        "description": "一线数控操作工提升故障判断能力",
        **extra,
    }


def make_contact(unit: Any, username: str, enterprise: Any = None) -> tuple[Any, Any]:
    """An enterprise contact (role 企业联络人) linked to an enterprise of ``unit``."""
    from jiangqiao.accounts.models import Role
    from jiangqiao.core.testing.personas import make_user
    from jiangqiao.demands.models import EnterpriseContact
    from jiangqiao.demands.tests.factories import make_enterprise

    enterprise = enterprise or make_enterprise(unit)
    user = make_user(username, unit, Role.objects.get(code="enterprise_contact"))
    EnterpriseContact.objects.create(enterprise=enterprise, user=user, name=f"联络人{username}")
    return user, enterprise


def make_order(contact: Any, enterprise: Any, course: Course, **extra: Any) -> Any:
    """A 点单邀约 order (待受理) of a published ``course``, placed by ``contact``."""
    from jiangqiao.academy import orders

    return orders.order_place(
        actor=contact, enterprise=enterprise, kind="menu", course=course, data=order_data(**extra)
    )


TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=40)


def running_class(unit: Any, owner: Any, **extra: Any) -> TrainingClass:
    """A class that started 40 days ago (进行中) with one session and one lecturer."""
    academy = make_academy(unit, owner)
    lecturer = make_lecturer(unit, owner, academy=academy)
    tc = make_class(
        unit,
        owner,
        academy=academy,
        start_date=START.isoformat(),
        end_date=(START + dt.timedelta(days=4)).isoformat(),
        **extra,
    )
    tc = classes.class_update(
        actor=owner, training_class=tc, data={}, lecturers=[lecturer], version=tc.version
    )
    classes.session_add(
        actor=owner,
        training_class=tc,
        data={"date": START, "start_time": "09:00", "end_time": "12:00", "hours": 3},
    )
    classes.class_move(actor=owner, training_class=tc, to="open")
    return classes.class_move(actor=owner, training_class=tc, to="running")


def upgrade_data(**extra: Any) -> dict[str, Any]:
    return {
        "occupation": "6-18-01-01",
        "level_before": "intermediate_worker",
        "level_after": "senior_worker",
        "certificate_no": "Y440300202600123",
        "issuer": "深圳市职业技能鉴定中心",
        "issued_on": TODAY - dt.timedelta(days=5),
        **extra,
    }


#: The columns of a trainee sheet (the 学员 import template's headers).
SHEET_HEADER = ["班次编号", "姓名", "身份证号", "手机号", "工作单位", "统一社会信用代码"]


def trainee_sheet(
    rows: int | list[dict[str, Any]],
    bad: dict[int, str] | None = None,
    *,
    class_code: str = "",
    start: int = 1,
) -> bytes:
    """An .xlsx trainee sheet (header + one row per worker) for the ``academy.enrolment`` import.

    ``rows``: a number of generated workers (``worker(start + i)``) or the workers themselves
    (dicts with ``name``, ``id_number``, ``mobile``, ``employer_name``, ``employer_uscc``).
    ``bad``: data row index (0-based) → what is wrong with it: ``"id_number"`` (a check digit that
    fails GB 11643), ``"mobile"``, ``"uscc"`` or ``"duplicate"`` (the ID number of the row before).
    ``class_code``: the 班次编号 cell of every row (blank: the import is opened from the class
    page). Data row i is spreadsheet row i + 2.
    """
    from jiangqiao.core.testing.sheets import xlsx

    workers = [worker(start + i) for i in range(rows)] if isinstance(rows, int) else list(rows)
    out: list[list[Any]] = [SHEET_HEADER]
    for i, w in enumerate(workers):
        w = dict(w)
        fault = (bad or {}).get(i)
        if fault == "id_number":
            last = w["id_number"][-1]
            w["id_number"] = w["id_number"][:-1] + ("0" if last != "0" else "1")
        elif fault == "mobile":
            w["mobile"] = "1234567"
        elif fault == "uscc":
            w["employer_uscc"] = "91440300MA5XXXXXX1"
        elif fault == "duplicate":
            if i == 0:
                raise ValueError("the first row cannot repeat an earlier one")
            # The same worker typed twice (name, ID number and mobile of the row before).
            w["name"], w["id_number"], w["mobile"] = out[-1][1], out[-1][2], out[-1][3]
        elif fault is not None:
            raise ValueError(f"unknown fault {fault!r}")
        out.append(
            [
                class_code,
                w["name"],
                w["id_number"],
                w.get("mobile", ""),
                w.get("employer_name", ""),
                w.get("employer_uscc", ""),
            ]
        )
    return xlsx(out)


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
