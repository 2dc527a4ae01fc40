"""Home-page panels of the academy (collected by ``jiangqiao.core.home.autodiscover``).

* 学院工作 (academy staff): orders waiting to be accepted or scheduled, and the classes that need
  them — open for registration, running, with a waitlist, with certificates to issue — and the
  sessions of the coming week with their check-in codes. Every count is that of the filtered list
  it links to.
* 我的培训订单 (the enterprise contact): his enterprise's training orders, with the way to the
  course menu and the custom form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from jiangqiao.accounts.choices import BuiltinRole
from jiangqiao.core.home import HomePanel, WorkCount, filtered_count, list_link, register

from . import selectors
from .choices import ORDER_STATUS_COLORS, ClassStatus, OrderStatus
from .class_models import ClassSession
from .filtersets import ClassFilterSet, OrderFilterSet
from .selectors import class_list

UPCOMING_DAYS = 7
UPCOMING_MAX = 8


def work_items(*, user: Any, request: Any = None) -> list[WorkCount]:
    classes = class_list(user=user)
    items = []
    if user.has_perm("academy.handle_trainingorder"):
        for key, label, status in (
            ("orders_pending", "待受理订单", OrderStatus.PENDING),
            ("orders_accepted", "待排课订单", OrderStatus.ACCEPTED),
        ):
            url = list_link("academy:order_list", status=status)
            n = filtered_count(OrderFilterSet, selectors.order_list(user=user), url, request)
            items.append(WorkCount(key, label, n, url, red=key == "orders_pending" and n > 0))
    for key, label, params in (
        ("open", "报名中班次", {"status": ClassStatus.OPEN}),
        ("running", "进行中班次", {"status": ClassStatus.RUNNING}),
        ("waitlist", "有候补的班次", {"waitlist": "true"}),
        ("certificates", "待发证班次", {"pending_certificates": "true"}),
    ):
        url = list_link("academy:trainingclass_list", **params)
        items.append(
            WorkCount(key, label, filtered_count(ClassFilterSet, classes, url, request), url)
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
        "items": work_items(user=request.user, request=request),
        "sessions": upcoming_sessions(user=request.user),
        "today": timezone.localdate(),
    }


def _is_contact(user: Any) -> bool:
    return BuiltinRole.ENTERPRISE_CONTACT in user.role_codes()


def my_orders_context(request: Any) -> dict[str, Any]:
    rows = selectors.order_list(user=request.user).order_by("-created_at", "-pk")[:5]
    return {"rows": [(o, ORDER_STATUS_COLORS.get(o.status, "secondary")) for o in rows]}


register(
    HomePanel(
        "academy.work",
        "学院工作",
        template="academy/home/_work.html",
        context=work_context,
        permission="academy.change_trainingclass",
        weight=150,
    ),
    HomePanel(
        "academy.my_orders",
        "我的培训订单",
        template="academy/home/_my_orders.html",
        context=my_orders_context,
        permission="academy.add_trainingorder",
        visible=_is_contact,
        weight=250,
    ),
)
