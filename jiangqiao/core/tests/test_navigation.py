from __future__ import annotations

import pytest
from django.urls import reverse

from jiangqiao.accounts.models import Role
from jiangqiao.core.navigation import menu_for
from jiangqiao.core.testing.personas import make_user

pytestmark = pytest.mark.django_db


def _labels(user):
    return {item["label"] for group in menu_for(user) for item in group["items"]}


def test_menu_shows_only_what_permissions_allow(world):
    auditor = _labels(world.auditor)
    assert {"变更日志", "操作日志", "登录日志"} <= auditor
    assert "用户" not in auditor and "组织机构" not in auditor
    sysadmin = _labels(make_user("s", world.province, Role.objects.get(code="system_admin")))
    assert {"组织机构", "用户", "角色"} <= sysadmin
    assert "变更日志" not in sysadmin
    craftsman = _labels(make_user("c", world.county_a1, Role.objects.get(code="craftsman")))
    assert "组织机构" not in craftsman and "用户" not in craftsman


def test_home_page_renders_in_chinese_with_menu(client, world):
    client.force_login(world.city_admin_a)
    html = client.get(reverse("core:home")).content.decode()
    assert '<html lang="zh-CN">' in html
    assert "组织机构" in html and "退出登录" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_pages_are_chinese_whatever_the_browser_language(client, world):
    client.force_login(world.province_admin)
    html = client.get(
        reverse("accounts:user_create"), headers={"accept-language": "en-US,en"}
    ).content.decode()
    assert "登录账号" in html and "Username" not in html
    response = client.post(
        reverse("accounts:user_create"), {}, headers={"accept-language": "en-US"}
    )
    assert "请填写登录账号" in response.content.decode()  # field-named (core.field_messages)


def test_import_pages_light_up_the_list_they_fill(client, world):
    client.force_login(world.city_admin_a)
    response = client.get(reverse("core:import_start", args=["talents.craftsman"]))
    assert response.status_code == 200
    active = [g["label"] for g in response.context["menu"] if g["active"]]
    assert active == ["人才资源库"]
    items = [i["label"] for g in response.context["menu"] for i in g["items"] if i["active"]]
    assert items == ["劳模工匠"]
    # the batch page (preview, commit) too
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiangqiao.core.models import ImportBatch

    client.post(
        reverse("core:import_start", args=["talents.craftsman"]),
        {"file": SimpleUploadedFile("名单.xlsx", b"MZ\x90\x00"), "mode": "all", "policy": "fill"},
    )
    batch = ImportBatch.objects.latest("pk")
    response = client.get(batch.get_absolute_url())
    assert [g["label"] for g in response.context["menu"] if g["active"]] == ["人才资源库"]
    # the list of import batches itself stays under 系统管理
    response = client.get(reverse("core:importbatch_list"))
    assert [g["label"] for g in response.context["menu"] if g["active"]] == ["系统管理"]
