"""The menu registry: order by weight, idempotent registration, permission and predicate, and no
crash on a URL name that does not resolve."""

from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps

from jiangqiao.core import navigation
from jiangqiao.core.navigation import MenuItem, Registry


@dataclass
class FakeUser:
    perms: set[str] = field(default_factory=set)
    is_authenticated: bool = True
    is_enterprise_contact: bool = False

    def has_perm(self, perm: str) -> bool:
        return perm in self.perms


def _shape(menu: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(g["label"], [i["label"] for i in g["items"]]) for g in menu]


@pytest.fixture
def live_registry(monkeypatch):
    """A copy of the platform's registry that a test may extend without leaking into others."""
    registry = copy.deepcopy(navigation.registry)
    monkeypatch.setattr(navigation, "registry", registry)
    return registry


def test_groups_and_items_follow_their_weights_not_the_order_of_registration():
    registry = Registry()
    # items may arrive before their group is declared (apps are imported in any order)
    registry.register("b", MenuItem("b2", "core:job_list", weight=20))
    registry.register("b", MenuItem("b1", "core:importbatch_list", weight=10))
    registry.register_group("b", "乙", weight=200)
    registry.register_group("a", "甲", weight=100)
    registry.register("a", MenuItem("a1", "core:changelog_list", weight=5))
    assert _shape(registry.menu_for(FakeUser())) == [("甲", ["a1"]), ("乙", ["b1", "b2"])]
    # equal weights: by name (groups) and label (items), so still independent of import order
    registry.register_group("c", "丙", weight=100)
    registry.register("c", MenuItem("c1", "core:operationlog_list"))
    assert [g["label"] for g in registry.menu_for(FakeUser())] == ["甲", "丙", "乙"]


def test_a_later_app_slots_a_group_between_existing_ones(live_registry):
    navigation.register_group("casework", "服务办理", weight=400)
    navigation.register("casework", MenuItem("服务邀请", "core:job_list", weight=100))
    labels = [g["label"] for g in navigation.menu_for(FakeUser())]
    assert labels == ["服务办理", "基础数据"]  # a FakeUser holds no permission (no API tokens)
    superuser = FakeUser()
    superuser.has_perm = lambda perm: True  # type: ignore[method-assign]
    labels = [g["label"] for g in navigation.menu_for(superuser)]
    # 服务办理 (weight 400) slots in right after 供需匹配, before the groups that weigh more.
    assert labels.index("供需匹配") + 1 == labels.index("服务办理") < labels.index("系统管理")
    # an app can also add an item inside a group another app owns, at its weight
    navigation.register("talents", MenuItem("工匠风采", "core:job_list", weight=150))
    talents = navigation.menu_for(superuser)[0]
    assert [i["label"] for i in talents["items"]] == ["劳模工匠", "工匠风采", "我的档案", "服务队"]


def test_registering_twice_adds_nothing():
    registry = Registry()
    for _ in range(2):
        registry.register_group("a", "甲", weight=100)
        registry.register("a", MenuItem("a1", "core:job_list", weight=10))
    assert _shape(registry.menu_for(FakeUser())) == [("甲", ["a1"])]
    # re-declaring replaces: a new label or weight wins
    registry.register("a", MenuItem("后台任务", "core:job_list", weight=10))
    registry.register_group("a", "甲组", weight=100)
    assert _shape(registry.menu_for(FakeUser())) == [("甲组", ["后台任务"])]


@pytest.mark.django_db
def test_ready_and_discovery_running_again_leave_the_menu_unchanged(live_registry, world):
    before = navigation.menu_for(world.superuser)
    apps.get_app_config("core").ready()
    apps.get_app_config("exchange").ready()
    navigation.autodiscover()
    for app in ("talents", "demands", "matching", "orgs", "accounts", "taxonomy", "exchange"):
        importlib.reload(importlib.import_module(f"jiangqiao.{app}.navigation"))
    assert navigation.menu_for(world.superuser) == before


def test_items_are_hidden_without_their_permission_or_when_the_predicate_says_no():
    registry = Registry()
    registry.register_group("a", "甲", weight=100)
    registry.register(
        "a",
        MenuItem("带权限", "core:job_list", "core.view_job", weight=10),
        MenuItem(
            "仅企业联络人",
            "core:importbatch_list",
            weight=20,
            visible=lambda u: u.is_enterprise_contact,
        ),
        MenuItem(
            "权限且联络人",
            "core:changelog_list",
            "core.view_changelog",
            weight=30,
            visible=lambda u: u.is_enterprise_contact,
        ),
    )
    assert registry.menu_for(FakeUser()) == []  # an empty group is not shown at all
    assert _shape(registry.menu_for(FakeUser({"core.view_job"}))) == [("甲", ["带权限"])]
    contact = FakeUser({"core.view_job"}, is_enterprise_contact=True)
    assert _shape(registry.menu_for(contact)) == [("甲", ["带权限", "仅企业联络人"])]
    contact.perms.add("core.view_changelog")
    assert _shape(registry.menu_for(contact)) == [
        ("甲", ["带权限", "仅企业联络人", "权限且联络人"])
    ]
    # the predicate is asked only when the permission is held
    asked: list[Any] = []
    registry.register("a", MenuItem("问", "core:operationlog_list", "x.y", visible=asked.append))
    registry.menu_for(FakeUser())
    assert asked == []
    assert registry.menu_for(FakeUser(is_authenticated=False)) == []


def test_a_url_name_that_does_not_resolve_is_skipped_and_reported():
    registry = Registry()
    registry.register_group("a", "甲", weight=100)
    registry.register(
        "a",
        MenuItem("坏链接", "nowhere:nothing", weight=10),
        MenuItem("后台任务", "core:job_list", weight=20),
    )
    registry.register("undeclared", MenuItem("孤儿", "core:job_list"))
    assert _shape(registry.menu_for(FakeUser(), "/jobs/")) == [("甲", ["后台任务"])]
    problems = registry.problems()
    assert len(problems) == 2
    assert any("nowhere:nothing" in p for p in problems)
    assert any("undeclared" in p for p in problems)


def test_the_platform_menu_has_no_problems_and_the_system_check_says_so(live_registry):
    assert navigation.registry.problems() == []
    assert navigation.check_menu() == []
    navigation.register("talents", MenuItem("坏链接", "talents:nothing"))
    warnings = navigation.check_menu()
    assert [w.id for w in warnings] == ["jiangqiao.navigation.W001"]


def test_the_current_path_lights_up_its_item_and_group():
    registry = Registry()
    registry.register_group("a", "甲", weight=100)
    registry.register("a", MenuItem("后台任务", "core:job_list"))
    registry.register_group("b", "乙", weight=200)
    registry.register("b", MenuItem("导入记录", "core:importbatch_list"))
    menu = registry.menu_for(FakeUser(), "/imports/7/")
    assert [(g["label"], g["active"]) for g in menu] == [("甲", False), ("乙", True)]
    assert menu[1]["items"][0]["active"] is True
