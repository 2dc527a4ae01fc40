"""What of the accounts app can be picked by name (see :mod:`jiangqiao.core.pickers`)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.choices import Status
from jiangqiao.core.pickers import PickerKind, register


def _user_label(user: Any) -> str:
    return user.real_name or user.username


def _user_detail(user: Any) -> str:
    org = user.org.name if user.org_id else ""
    return f"账号 {user.username}" + (f" · {org}" if org else "")


register(
    PickerKind(
        "role",
        "accounts.Role",
        search=("name", "code"),
        order=("sort", "pk"),
        base=lambda qs: qs.filter(status=Status.ACTIVE),
        noun="角色",
        browse=True,
    )
)
register(
    PickerKind(
        "user",
        "accounts.User",
        search=("real_name", "username"),
        label=_user_label,
        detail=_user_detail,
        order=("real_name", "username"),
        select_related=("org",),
        base=lambda qs: qs.filter(is_active=True),
        placeholder="输入姓名或登录账号检索",
        noun="用户",
    )
)
