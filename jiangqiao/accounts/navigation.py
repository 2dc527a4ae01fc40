"""Accounts' menu entries, in core's groups (系统管理, 日志审计, 接口)."""

from __future__ import annotations

from jiangqiao.core.navigation import API, LOGS, SYSTEM, MenuItem, register

register(
    SYSTEM,
    MenuItem("用户", "accounts:user_list", "accounts.view_user", weight=200),
    MenuItem("角色", "accounts:role_list", "accounts.view_role", weight=300),
)
register(LOGS, MenuItem("登录日志", "accounts:loginlog_list", "accounts.view_loginlog", weight=300))
register(
    API,
    MenuItem("我的 API 令牌", "accounts:token_list", "accounts.add_apitoken", weight=200),
    MenuItem("API 令牌管理", "accounts:token_all", "accounts.view_apitoken", weight=300),
)
