"""Role pages: only the security administrator manages roles; grants are audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from jiangqiao.accounts.models import Role
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def secadmin(world):
    return make_user("sec", world.province, Role.objects.get(code="security_admin"))


def _perm(code):
    app, codename = code.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=codename)


def test_role_pages_render_for_the_security_admin(client, secadmin):
    client.force_login(secadmin)
    role = Role.objects.get(code="system_admin")
    for url in (
        reverse("accounts:role_list"),
        reverse("accounts:role_detail", args=[role.pk]),
        reverse("accounts:role_detail", args=[role.pk]) + "?tab=changelog",
        reverse("accounts:role_create"),
        reverse("accounts:role_edit", args=[role.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert (
        "查看组织" in client.get(reverse("accounts:role_detail", args=[role.pk])).content.decode()
    )


def test_union_staff_cannot_manage_roles(client, world):
    client.force_login(world.city_admin_a)
    staff = make_user("staff", world.city_a, Role.objects.get(code="union_staff"))
    client.force_login(staff)
    assert client.get(reverse("accounts:role_list")).status_code == 403
    assert client.post(reverse("accounts:role_create"), {"code": "x"}).status_code == 403


def test_create_role_with_custom_scope_and_permissions(client, secadmin, world):
    client.force_login(secadmin)
    data = {
        "code": "shenzhen_viewer",
        "name": "深圳只读",
        "data_scope": "custom",
        "sort": 5,
        "permissions": [_perm("orgs.view_organization").pk],
        "custom_orgs": [world.city_a.pk, world.county_a1.pk],
    }
    response = client.post(reverse("accounts:role_create"), data)
    assert response.status_code == 302
    role = Role.objects.get(code="shenzhen_viewer")
    assert set(role.custom_orgs.values_list("pk", flat=True)) == {
        world.city_a.pk,
        world.county_a1.pk,
    }
    assert list(role.group.permissions.values_list("codename", flat=True)) == ["view_organization"]


def test_custom_scope_needs_at_least_one_org(client, secadmin):
    client.force_login(secadmin)
    response = client.post(
        reverse("accounts:role_create"),
        {"code": "empty_custom", "name": "空自定义", "data_scope": "custom", "sort": 0},
    )
    assert response.status_code == 400
    assert "至少选择一个组织" in response.content.decode()
    assert not Role.objects.filter(code="empty_custom").exists()


def test_changing_permissions_is_logged_as_a_grant(client, secadmin):
    client.force_login(secadmin)
    role = Role.objects.get(code="union_staff")
    keep = list(role.group.permissions.values_list("pk", flat=True))
    added = _perm("core.view_importalias")
    response = client.post(
        reverse("accounts:role_edit", args=[role.pk]),
        {
            "name": role.name,
            "data_scope": role.data_scope,
            "sort": role.sort,
            "permissions": [*keep, added.pk],
        },
    )
    assert response.status_code == 302
    op = OperationLog.objects.filter(business_type="grant", target_id=str(role.pk)).latest("pk")
    assert op.extra["added"] == ["core.view_importalias"]
    assert op.user == secadmin


def test_disabling_a_role_removes_its_permissions(client, secadmin, world):
    staff = make_user("staff2", world.city_a, Role.objects.get(code="union_staff"))
    assert staff.has_perm("orgs.view_organization")
    client.force_login(secadmin)
    role = Role.objects.get(code="union_staff")
    client.post(reverse("accounts:role_status", args=[role.pk]), {"status": "disabled"})
    staff = type(staff).objects.get(pk=staff.pk)
    assert not staff.has_perm("orgs.view_organization")


def test_ungrantable_permissions_are_not_offered(client, secadmin):
    client.force_login(secadmin)
    html = client.get(reverse("accounts:role_create")).content.decode()
    assert "查看组织" in html
    assert "删除组织" not in html and "新增变更日志" not in html


def test_log_detail_pages_are_scoped(client, world):
    from jiangqiao.core.operations import record_operation
    from jiangqiao.orgs import services as org_services

    op = record_operation(
        actor=world.city_admin_b,
        module="测试",
        business_type="other",
        action="x",
        target=world.county_b1,
    )
    org_services.org_update(actor=world.city_admin_b, org=world.county_b1, data={"sort": 3})
    from jiangqiao.core.models import ChangeLog

    change = ChangeLog.objects.filter(object_id=str(world.county_b1.pk)).latest("pk")
    client.force_login(world.city_admin_a)
    assert client.get(reverse("core:operationlog_detail", args=[op.pk])).status_code == 404
    assert client.get(reverse("core:changelog_detail", args=[change.pk])).status_code == 404
    client.force_login(world.auditor)
    assert client.get(reverse("core:operationlog_detail", args=[op.pk])).status_code == 200
    page = client.get(reverse("core:changelog_detail", args=[change.pk]))
    assert page.status_code == 200 and "sort" in page.content.decode()
