"""The menu, declared in code by each app (NetBox's navigation, Django admin's autodiscovery).

Core is the ground floor: it holds the registry and its own entries only. Every app declares its
groups and items in its own ``navigation.py``, which core imports once at start-up
(``autodiscover()``, called from ``CoreConfig.ready``)::

    # jiangqiao/casework/navigation.py
    from jiangqiao.core.navigation import MenuItem, register, register_group

    register_group("casework", "服务办理", weight=400)
    register(
        "casework",
        MenuItem("服务邀请", "casework:offer_list", "casework.view_offer", weight=100),
        MenuItem("我的服务", "casework:my_offers", weight=200, visible=is_craftsman),
    )

Order is by weight, never by import order: groups by ``(weight, name)``, items by
``(weight, label)``. The groups in use leave room between them for later apps:

    100 人才资源库 (talents)   200 企业需求库 (demands)   300 供需匹配 (matching)
    400–600 free (casework, academy, dashboards …)
    700 系统管理 (core: ``SYSTEM``)   800 基础数据 (taxonomy)   900 日志审计 (core: ``LOGS``)
    1000 接口 (core: ``API``)   1100 数据交换 (exchange)

Registering is idempotent: a group is known by its name and an item by its ``url_name`` within its
group, so declaring them again (a module reloaded, ``ready()`` run twice in tests) replaces them
instead of adding a second copy. An item may be registered before its group is declared (the
order of apps does not matter); an item whose group is never declared is not shown, and the
system check ``jiangqiao.navigation`` reports it, as it reports a ``url_name`` that does not
resolve.

An item is shown when the user holds its ``permission`` (if any) and its ``visible(user)``
predicate (if any) returns true — for menus that fit a role rather than a permission (an
enterprise contact sees only his own work).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse

# The groups core declares, for the apps that add items to them.
SYSTEM = "system"
LOGS = "logs"
API = "api"


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    permission: str | None = None
    weight: int = 0
    # Shown only when this returns true for the user (after the permission check).
    visible: Callable[[Any], bool] | None = field(default=None, compare=False)

    def shown_to(self, user: Any) -> bool:
        if self.permission and not user.has_perm(self.permission):
            return False
        return self.visible is None or bool(self.visible(user))


@dataclass(frozen=True)
class MenuGroup:
    name: str
    label: str
    weight: int = 0


class Registry:
    """Groups and items, whatever order the apps declare them in."""

    def __init__(self) -> None:
        self._groups: dict[str, MenuGroup] = {}
        self._items: dict[str, dict[str, MenuItem]] = {}

    def register_group(self, name: str, label: str, *, weight: int) -> MenuGroup:
        group = MenuGroup(name, label, weight)
        self._groups[name] = group
        return group

    def register(self, group: str, *items: MenuItem) -> None:
        entries = self._items.setdefault(group, {})
        for item in items:
            entries[item.url_name] = item

    def groups(self) -> list[tuple[MenuGroup, list[MenuItem]]]:
        """The declared groups with their items, in menu order (no permission check)."""
        result = []
        for group in sorted(self._groups.values(), key=lambda g: (g.weight, g.name)):
            items = sorted(
                self._items.get(group.name, {}).values(), key=lambda i: (i.weight, i.label)
            )
            result.append((group, items))
        return result

    def problems(self) -> list[str]:
        """What would silently vanish from the menu: items of undeclared groups, unknown URLs."""
        found = [
            f"菜单项 {item.label}（{item.url_name}）所在的分组 {name!r} 未声明"
            for name, entries in sorted(self._items.items())
            if name not in self._groups
            for item in entries.values()
        ]
        for _group, items in self.groups():
            for item in items:
                try:
                    reverse(item.url_name)
                except NoReverseMatch:
                    found.append(f"菜单项 {item.label} 的地址 {item.url_name!r} 无法解析")
        return found

    def menu_for(self, user: Any, current_path: str = "") -> list[dict[str, Any]]:
        """Only the groups and items the user may see; nothing for anonymous users."""
        if not getattr(user, "is_authenticated", False):
            return []
        result = []
        for group, entries in self.groups():
            items = []
            for item in entries:
                if not item.shown_to(user):
                    continue
                try:
                    url = reverse(item.url_name)
                except NoReverseMatch:
                    continue  # reported by the system check; a page never fails on its menu
                items.append(
                    {"label": item.label, "url": url, "active": current_path.startswith(url)}
                )
            if items:
                result.append(
                    {
                        "label": group.label,
                        "items": items,
                        "active": any(i["active"] for i in items),
                    }
                )
        return result


registry = Registry()


def register_group(name: str, label: str, *, weight: int) -> MenuGroup:
    """Declare (or re-declare) a menu group; ``weight`` places it among the others."""
    return registry.register_group(name, label, weight=weight)


def register(group: str, *items: MenuItem) -> None:
    """Add items to the group named ``group`` (declared here or by another app)."""
    registry.register(group, *items)


def menu_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    return registry.menu_for(user, current_path)


def autodiscover() -> None:
    """Import every installed app's ``navigation`` module (once; importing again is a no-op)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("navigation")


def check_menu(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """System check: every registered item belongs to a declared group and resolves."""
    from django.core import checks

    return [
        checks.Warning(problem, id="jiangqiao.navigation.W001") for problem in registry.problems()
    ]


# Core's own entries: the groups it owns and its pages (jobs, imports, logs, the API docs).
register_group(SYSTEM, "系统管理", weight=700)
register_group(LOGS, "日志审计", weight=900)
register_group(API, "接口", weight=1000)
register(
    SYSTEM,
    MenuItem("后台任务", "core:job_list", "core.view_job", weight=400),
    MenuItem("导入记录", "core:importbatch_list", "core.view_importbatch", weight=500),
    MenuItem("导入表头别名", "core:importalias_list", "core.view_importalias", weight=600),
    MenuItem("工作日历", "core:calendarday_list", "core.view_calendarday", weight=700),
)
register(
    LOGS,
    MenuItem("变更日志", "core:changelog_list", "core.view_changelog", weight=100),
    MenuItem("操作日志", "core:operationlog_list", "core.view_operationlog", weight=200),
    MenuItem("日志完整性与导出", "core:audit_chain", "core.view_all_logs", weight=900),
)
