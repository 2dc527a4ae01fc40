"""The administrators' home panel: how many units and accounts they look after.

Only the 三员 administrators (and superusers) get it: for everyone else these raw counts are noise,
and each role's own work is on its own panels.
"""

from __future__ import annotations

from typing import Any

from jiangqiao.core.home import HomePanel, register

from .roles import ADMIN_ROLES


def is_administrator(user: Any) -> bool:
    return bool(user.is_superuser) or bool(user.role_codes() & {str(r) for r in ADMIN_ROLES})


def system_context(request: Any) -> dict[str, Any] | None:
    from jiangqiao.orgs.models import Organization

    from .models import User

    user = request.user
    cards = []
    if user.has_perm("orgs.view_organization"):
        cards.append(
            {
                "label": "组织",
                "value": Organization.objects.visible_to(user).count(),
                "url_name": "orgs:organization_list",
            }
        )
    if user.has_perm("accounts.view_user"):
        cards.append(
            {
                "label": "用户",
                "value": User.objects.visible_to(user).count(),
                "url_name": "accounts:user_list",
            }
        )
    return {"cards": cards} if cards else None


register(
    HomePanel(
        "accounts.system",
        "系统概况",
        template="accounts/home/_system.html",
        context=system_context,
        visible=is_administrator,
        weight=500,
    )
)
