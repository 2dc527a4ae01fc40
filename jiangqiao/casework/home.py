"""Home-page panels of the service casework (collected by ``jiangqiao.core.home.autodiscover``).

Each role gets its own work: staff a to-do panel, the enterprise contact his demands, the
craftsman his offers. Staff are told apart by the permission to assign offers; the enterprise
contact and the craftsman by their roles (test and custom roles may hold many permissions).
"""

from __future__ import annotations

from typing import Any

from jiangqiao.accounts.choices import BuiltinRole
from jiangqiao.core.home import HomePanel, register

from . import queues
from .choices import OFFER_STATUS_COLORS


def has_role(code: str) -> Any:
    def check(user: Any) -> bool:
        return code in user.role_codes()

    return check


def todo_context(request: Any) -> dict[str, Any]:
    return {"items": queues.todo_items(user=request.user, request=request)}


def my_demands_context(request: Any) -> dict[str, Any]:
    return {"rows": queues.my_demands(user=request.user)}


def my_offers_context(request: Any) -> dict[str, Any]:
    return {**queues.my_offer_groups(user=request.user), "colors": OFFER_STATUS_COLORS}


register(
    HomePanel(
        "casework.todo",
        "待办事项",
        template="casework/home/_todo.html",
        context=todo_context,
        permission="casework.assign_offer",
        weight=100,
    ),
    HomePanel(
        "casework.my_demands",
        "我的需求",
        template="casework/home/_my_demands.html",
        context=my_demands_context,
        visible=has_role(BuiltinRole.ENTERPRISE_CONTACT),
        weight=200,
    ),
    HomePanel(
        "casework.my_offers",
        "我的服务邀请",
        template="casework/home/_my_offers.html",
        context=my_offers_context,
        permission="casework.respond_offer",
        visible=has_role(BuiltinRole.CRAFTSMAN),
        weight=300,
    ),
)
