"""How a person who did something is shown: the real name, the login name on hover.

One function, used by the ``operator`` template filter and by :class:`OperatorColumn`, for
操作人/发起人/处理人 everywhere (logs, home panels, timelines, history, tables).
"""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.safestring import SafeString


def operator_html(value: Any, default: str = "系统") -> SafeString | str:
    """``value`` is a user, or a log row with ``user`` (FK) and ``user_name`` (the login kept
    when the account is gone)."""
    if value is None or value == "":
        return default
    user = value if hasattr(value, "username") else getattr(value, "user", None)
    login = getattr(user, "username", "") or getattr(value, "user_name", "") or ""
    name = (getattr(user, "real_name", "") or "") if user is not None else ""
    if not login and not name:
        return default
    return format_html('<span title="登录账号：{}">{}</span>', login, name or login)


class OperatorColumn(tables.Column):
    """A table column of a person: real name, login on hover (``accessor`` the user or the row)."""

    def __init__(self, *args: Any, default: str = "系统", row: bool = False, **kwargs: Any) -> None:
        self.fallback = default
        self.row = row  # the row itself is a log entry (``user`` + ``user_name``)
        kwargs.setdefault("empty_values", ())
        super().__init__(*args, **kwargs)

    def render(self, value: Any, record: Any) -> Any:
        return operator_html(record if self.row else value, self.fallback)
