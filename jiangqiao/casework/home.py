"""Home-page panels of the service casework (collected by ``jiangqiao.core.home.autodiscover``).

Each role gets its own work: staff a to-do panel, the enterprise contact his demands (by stage,
the ones waiting for him first), the craftsman his offers and his standing this year (sessions,
person-times, workers trained, open offers, the enterprises' ratings). Staff are told apart by the permission to assign offers; the enterprise
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
    return {
        "rows": queues.my_demands(user=request.user),
        "items": queues.my_demand_counts(user=request.user, request=request),
    }


def my_offers_context(request: Any) -> dict[str, Any]:
    from .selectors import craftsman_rating

    return {
        **queues.my_offer_groups(user=request.user),
        "colors": OFFER_STATUS_COLORS,
        "items": queues.my_year_items(user=request.user, request=request),
        "rating": craftsman_rating(user=request.user),
    }


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
