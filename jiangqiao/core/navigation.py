"""The menu, declared in code: each item names the permission it needs (NetBox's navigation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    permission: str | None = None


@dataclass(frozen=True)
class MenuGroup:
    label: str
    items: tuple[MenuItem, ...] = field(default_factory=tuple)


MENU: list[MenuGroup] = [
    MenuGroup(
        "人才资源库",
        (
            MenuItem("劳模工匠", "talents:craftsman_list", "talents.view_craftsman"),
            MenuItem("我的档案", "talents:my_profile", "talents.view_craftsman"),
            MenuItem("服务队", "talents:serviceteam_list", "talents.view_serviceteam"),
        ),
    ),
    MenuGroup(
        "企业需求库",
        (
            MenuItem("企业", "demands:enterprise_list", "demands.view_enterprise"),
            MenuItem("需求", "demands:demand_list", "demands.view_demand"),
            MenuItem("提交需求", "demands:demand_submit", "demands.add_demand"),
        ),
    ),
    MenuGroup(
        "供需匹配",
        (
            MenuItem("匹配建议", "matching:matchsuggestion_list", "matching.view_matchsuggestion"),
            MenuItem("清单匹配", "matching:matchlist", "matching.view_matchlist"),
            MenuItem("平台匹配", "matching:matchrun_list", "matching.view_matchrun"),
            MenuItem("服务记录", "matching:servicerecord_list", "matching.view_servicerecord"),
            MenuItem(
                "利益冲突申报", "matching:declaredconflict_list", "matching.view_declaredconflict"
            ),
        ),
    ),
    MenuGroup(
        "系统管理",
        (
            MenuItem("组织机构", "orgs:organization_list", "orgs.view_organization"),
            MenuItem("用户", "accounts:user_list", "accounts.view_user"),
            MenuItem("角色", "accounts:role_list", "accounts.view_role"),
            MenuItem("后台任务", "core:job_list", "core.view_job"),
            MenuItem("导入记录", "core:importbatch_list", "core.view_importbatch"),
            MenuItem("导入表头别名", "core:importalias_list", "core.view_importalias"),
            MenuItem("工作日历", "core:calendarday_list", "core.view_calendarday"),
        ),
    ),
    MenuGroup(
        "基础数据",
        (MenuItem("标准代码", "taxonomy:index", None),),
    ),
    MenuGroup(
        "日志审计",
        (
            MenuItem("变更日志", "core:changelog_list", "core.view_changelog"),
            MenuItem("操作日志", "core:operationlog_list", "core.view_operationlog"),
            MenuItem("登录日志", "accounts:loginlog_list", "accounts.view_loginlog"),
        ),
    ),
    MenuGroup(
        "接口",
        (
            MenuItem("API 文档", "api-docs", None),
            MenuItem("我的 API 令牌", "accounts:token_list", "accounts.add_apitoken"),
            MenuItem("API 令牌管理", "accounts:token_all", "accounts.view_apitoken"),
        ),
    ),
]


def register(group_label: str, item: MenuItem) -> None:
    """Let later apps add items to a group (or a new group)."""
    for i, group in enumerate(MENU):
        if group.label == group_label:
            MENU[i] = MenuGroup(group.label, (*group.items, item))
            return
    MENU.append(MenuGroup(group_label, (item,)))


def menu_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    """Only the groups and items the user's permissions allow; nothing for anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return []
    result = []
    for group in MENU:
        items = []
        for item in group.items:
            if item.permission and not user.has_perm(item.permission):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            items.append({"label": item.label, "url": url, "active": current_path.startswith(url)})
        if items:
            result.append(
                {"label": group.label, "items": items, "active": any(i["active"] for i in items)}
            )
    return result
