"""Home-page panel of the academy staff (collected by ``jiangqiao.core.home.autodiscover``):
the classes that need them — open for registration, running, with a waitlist, with certificates
to issue — and the sessions of the coming week with their check-in codes. Every count is that of
the filtered class list it links to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from jiangqiao.core.home import HomePanel, TodoItem, filtered_count, list_link, register

from .choices import ClassStatus
from .class_models import ClassSession
from .filtersets import ClassFilterSet
from .selectors import class_list

UPCOMING_DAYS = 7
UPCOMING_MAX = 8


def todo_items(*, user: Any, request: Any = None) -> list[TodoItem]:
    classes = class_list(user=user)
    items = []
    for key, label, params in (
        ("open", "报名中班次", {"status": ClassStatus.OPEN}),
        ("running", "进行中班次", {"status": ClassStatus.RUNNING}),
        ("waitlist", "有候补的班次", {"waitlist": "true"}),
        ("certificates", "待发证班次", {"pending_certificates": "true"}),
    ):
        url = list_link("academy:trainingclass_list", **params)
        items.append(
            TodoItem(key, label, filtered_count(ClassFilterSet, classes, url, request), url)
        )
    return items


def upcoming_sessions(*, user: Any, today: dt.date | None = None) -> list[ClassSession]:
    """Sessions of the coming week of classes the user may change (to open their check-in codes)."""
    today = today or timezone.localdate()
    classes = class_list(user=user, action="change").exclude(
        status__in=(ClassStatus.CANCELLED, ClassStatus.FINISHED)
    )
    return list(
        ClassSession.objects.filter(
            training_class__in=classes,
            date__gte=today,
            date__lt=today + dt.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("training_class")
        .order_by("date", "start_time", "pk")[:UPCOMING_MAX]
    )


def work_context(request: Any) -> dict[str, Any]:
    return {
        "items": todo_items(user=request.user, request=request),
        "sessions": upcoming_sessions(user=request.user),
        "today": timezone.localdate(),
    }


register(
    HomePanel(
        "academy.work",
        "学院工作",
        template="academy/home/_work.html",
        context=work_context,
        permission="academy.change_trainingclass",
        weight=150,
    )
)
