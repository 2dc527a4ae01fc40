"""Home-page panels of the academy (collected by ``jiangqiao.core.home.autodiscover``).

* 学院工作 (academy staff): orders waiting to be accepted or scheduled, 技能培训 demands that may
  become orders, and the classes that need them — open for registration, running, with a
  waitlist, with certificates to issue — and the sessions of the coming week with their check-in
  codes. Every count is that of the filtered list it links to.
* 我的培训订单 (the enterprise contact): his enterprise's training orders by state — those
  delivered and waiting for his evaluation first — with the way to the course menu and the
  custom form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts.choices import BuiltinRole
from jiangqiao.core.home import HomePanel, WorkCount, filtered_count, list_link, register

from . import selectors
from .choices import ORDER_STATUS_COLORS, ClassStatus, OrderStatus
from .class_models import ClassSession
from .filtersets import ClassFilterSet, OrderFilterSet, PortalOrderFilterSet
from .selectors import class_list

UPCOMING_DAYS = 7
UPCOMING_MAX = 8
#: The 技能培训需求转订单 page lists this many demands at most.
CONVERTIBLE_SHOWN = 200


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
    if user.has_perm("academy.convert_demand"):
        # 技能培训 demands of the unit waiting for a service line: the page 技能培训需求转订单
        # lists exactly these (its first CONVERTIBLE_SHOWN).
        n = selectors.convertible_demands(user=user).count()
        items.append(
            WorkCount(
                "demands_to_convert",
                "可转订单的培训需求",
                min(n, CONVERTIBLE_SHOWN),
                reverse("academy:order_demands"),
            )
        )
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


#: The enterprise's orders by state on its panel; 已交付 waits for his evaluation (red).
MY_ORDER_STATES = (
    ("pending", "待学院受理", OrderStatus.PENDING),
    ("accepted", "已受理待排课", OrderStatus.ACCEPTED),
    ("scheduled", "已排课", OrderStatus.SCHEDULED),
    ("to_evaluate", "已交付待我评价", OrderStatus.DELIVERED),
)


def my_order_items(*, user: Any, request: Any = None) -> list[WorkCount]:
    """The enterprise contact's orders in each open state, each the count of 我的培训订单
    filtered by that state."""
    orders = selectors.order_list(user=user)
    items = []
    for key, label, status in MY_ORDER_STATES:
        url = list_link("academy:order_list", status=status)
        n = filtered_count(PortalOrderFilterSet, orders, url, request)
        items.append(WorkCount(key, label, n, url, red=status == OrderStatus.DELIVERED and n > 0))
    return items


def my_orders_context(request: Any) -> dict[str, Any]:
    # Those waiting for his evaluation first, then the newest.
    orders = selectors.order_list(user=request.user)
    rows = list(orders.filter(status=OrderStatus.DELIVERED).order_by("-created_at", "-pk")[:5])
    rows += list(
        orders.exclude(status=OrderStatus.DELIVERED).order_by("-created_at", "-pk")[
            : max(0, 5 - len(rows))
        ]
    )
    return {
        "rows": [(o, ORDER_STATUS_COLORS.get(o.status, "secondary")) for o in rows],
        "items": my_order_items(user=request.user, request=request),
        "delivered": OrderStatus.DELIVERED,
    }


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
