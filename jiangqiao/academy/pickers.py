"""What of the academy app can be picked by name (see :mod:`jiangqiao.core.pickers`)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.choices import Status
from jiangqiao.core.pickers import PickerKind, register


def _lecturer_detail(lecturer: Any) -> str:
    parts = [lecturer.title or "", lecturer.academy.name if lecturer.academy_id else ""]
    return " · ".join(p for p in parts if p)


register(
    PickerKind(
        "academy",
        "academy.Academy",
        search=("name", "host_name"),
        detail=lambda academy: academy.org.name if academy.org_id else "",
        order=("name", "pk"),
        select_related=("org",),
        base=lambda qs: qs.filter(status=Status.ACTIVE),
        placeholder="输入学院名称或依托单位检索",
        noun="工匠学院",
    )
)
register(
    PickerKind(
        "alliance",
        "academy.Alliance",
        search=("name",),
        detail=lambda alliance: alliance.org.name if alliance.org_id else "",
        order=("name", "pk"),
        select_related=("org",),
        base=lambda qs: qs.filter(status=Status.ACTIVE),
        noun="学院联盟",
    )
)
register(
    PickerKind(
        "lecturer",
        "academy.Lecturer",
        search=("name", "craftsman__name", "title"),
        detail=_lecturer_detail,
        order=("pk",),
        select_related=("craftsman", "academy"),
        base=lambda qs: qs.filter(status=Status.ACTIVE),
        placeholder="输入师资姓名检索",
        noun="师资",
    )
)
register(
    PickerKind(
        "course",
        "academy.Course",
        search=("title", "code"),
        detail=lambda course: f"{course.code} · {course.academy.name}",
        order=("title", "pk"),
        select_related=("academy",),
        base=lambda qs: qs.filter(status="published"),
        placeholder="输入课程名称或编号检索（仅已发布课程）",
        noun="已发布课程",
    )
)
register(
    PickerKind(
        "training_class",
        "academy.TrainingClass",
        search=("title", "code"),
        detail=lambda tc: f"{tc.code} · {tc.academy.name}",
        order=("-start_date", "pk"),
        select_related=("academy",),
        noun="班次",
    )
)
