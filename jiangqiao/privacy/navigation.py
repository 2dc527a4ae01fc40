"""个人信息保护's menu entries (collected by ``jiangqiao.core.navigation.autodiscover``)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.navigation import MenuItem, register, register_group


def _is_subject(user: Any) -> bool:
    """Craftsmen and enterprise contacts with a login see “我的个人信息”."""
    from jiangqiao.accounts.models import User

    from .services import subject_of

    return isinstance(user, User) and subject_of(user) is not None


register_group("privacy", "个人信息保护", weight=850)
register(
    "privacy",
    MenuItem(
        "个人信息权利申请",
        "privacy:request_list",
        "privacy.view_datasubjectrequest",
        weight=100,
    ),
    MenuItem("我的个人信息", "privacy:me", None, weight=200, visible=_is_subject),
)
