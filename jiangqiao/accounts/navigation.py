"""Accounts' menu entries, in core's groups (系统管理, 日志审计, 接口)."""

from __future__ import annotations

from jiangqiao.core.navigation import API, LOGS, SYSTEM, MenuItem, register

register(
    SYSTEM,
    MenuItem("用户", "accounts:user_list", "accounts.view_user", weight=200),
    MenuItem("角色", "accounts:role_list", "accounts.view_role", weight=300),
)
register(LOGS, MenuItem("登录日志", "accounts:loginlog_list", "accounts.view_loginlog", weight=300))


def _uses_api(user: object) -> bool:
    """The API documentation is for those who may hold or manage API tokens (not the enterprise
    contact or the craftsman, who work in the phone pages)."""
    return bool(
        user.has_perm("accounts.add_apitoken")  # type: ignore[attr-defined]
        or user.has_perm("accounts.view_apitoken")  # type: ignore[attr-defined]
    )


register(
    API,
    MenuItem("API 文档", "api-docs", weight=100, visible=_uses_api),
    MenuItem("我的 API 令牌", "accounts:token_list", "accounts.add_apitoken", weight=200),
    MenuItem("API 令牌管理", "accounts:token_all", "accounts.view_apitoken", weight=300),
)
