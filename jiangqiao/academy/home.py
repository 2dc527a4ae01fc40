"""Home-page panel of the academy (collected by ``jiangqiao.core.home.autodiscover``): the
enterprise contact's training orders, with the way to the course menu and the custom form."""

from __future__ import annotations

from typing import Any

from jiangqiao.accounts.choices import BuiltinRole
from jiangqiao.core.home import HomePanel, register

from . import selectors
from .choices import ORDER_STATUS_COLORS


def _is_contact(user: Any) -> bool:
    return BuiltinRole.ENTERPRISE_CONTACT in user.role_codes()


def my_orders_context(request: Any) -> dict[str, Any]:
    rows = selectors.order_list(user=request.user).order_by("-created_at", "-pk")[:5]
    return {"rows": [(o, ORDER_STATUS_COLORS.get(o.status, "secondary")) for o in rows]}


register(
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
