"""Change log, operation log, login log: written for every change, scoped, full only for auditors."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from jiangqiao.accounts.models import LoginLog, Role
from jiangqiao.core.context import audit_context
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.operations import record_operation
from jiangqiao.core.testing.personas import make_user
from jiangqiao.orgs import services as org_services
from jiangqiao.orgs.models import Organization

pytestmark = pytest.mark.django_db


def _org_logs(org):
    return ChangeLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Organization), object_id=str(org.pk)
    )


def test_update_through_a_request_records_actor_and_request_id(client, world):
    client.force_login(world.city_admin_a)
    response = client.post(
        reverse("orgs:organization_edit", args=[world.county_a1.pk]),
        {"name": "南山区总工会", "region_code": "440305", "contact_name": "黄", "sort": 1},
    )
    assert response.status_code == 302
    log = _org_logs(world.county_a1).get(action="update")
    assert log.user_name == "city_admin_a"
    assert str(log.request_id) == response["X-Request-ID"]
    assert log.prechange_data["sort"] == 0 and log.postchange_data["sort"] == 1


def test_delete_is_logged_with_the_last_snapshot(world):
    org = Organization.objects.create(
        parent=world.county_b1, level="grassroots", name="待删", region_code="440106", path="/x/"
    )
    pk = org.pk
    org.delete()
    log = ChangeLog.objects.get(
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=str(pk),
        action="delete",
    )
    assert log.org_id == world.county_b1.pk
    assert log.prechange_data["name"] == "待删"
    assert log.postchange_data is None


def test_m2m_changes_are_logged(world):
    role = Role.objects.get(code="union_staff")
    user = world.county_operator
    with audit_context(user=world.province_admin):
        user.roles.add(role)
    log = ChangeLog.objects.filter(object_id=str(user.pk), message="关联关系变更").latest("pk")
    assert role.pk in log.postchange_data["roles"]
    assert role.pk not in log.prechange_data["roles"]
    assert log.user == world.province_admin


def test_passwords_never_reach_the_change_log(world):
    user = world.city_admin_b
    user.set_password("Another#Pass1")
    user.save()
    for log in ChangeLog.objects.filter(object_id=str(user.pk)):
        assert "password" not in (log.postchange_data or {})


def test_operation_log_params_drop_secrets(world):
    op = record_operation(
        actor=world.city_admin_a,
        module="测试",
        business_type="other",
        action="x",
        params={"password": "p", "id_number": "440305199001011234", "name": "张三"},
    )
    assert op.params == {"password": "******", "id_number": "******", "name": "张三"}


def _logs_visible(user):
    return set(OperationLog.objects.visible_to(user).values_list("org_id", flat=True))


def test_logs_are_scoped_and_only_the_auditor_sees_everything(world):
    for actor, org in [
        (world.city_admin_a, world.county_a1),
        (world.city_admin_b, world.county_b1),
        (world.province_admin, world.province),
    ]:
        record_operation(actor=actor, module="测试", business_type="other", action="x", target=org)
    assert _logs_visible(world.city_admin_a) == {world.county_a1.pk}
    assert _logs_visible(world.city_admin_b) == {world.county_b1.pk}
    assert _logs_visible(world.auditor) >= {
        world.county_a1.pk,
        world.county_b1.pk,
        world.province.pk,
    }
    # A 全部数据 role without the audit permission still does not read everyone's logs.
    sysadmin = make_user("sysadm", world.city_a, Role.objects.get(code="system_admin"))
    assert OperationLog.objects.visible_to(sysadmin).count() == 0


def test_log_pages_render_for_auditor_and_are_403_for_system_admin(client, world):
    record_operation(actor=world.city_admin_a, module="测试", business_type="other", action="x")
    client.force_login(world.auditor)
    for name in ("core:changelog_list", "core:operationlog_list", "accounts:loginlog_list"):
        assert client.get(reverse(name)).status_code == 200
    sysadmin = make_user("sysadm2", world.province, Role.objects.get(code="system_admin"))
    client.force_login(sysadmin)
    for name in ("core:changelog_list", "core:operationlog_list", "accounts:loginlog_list"):
        assert client.get(reverse(name)).status_code == 403


def test_login_log_scope(world):
    LoginLog.objects.create(username="a", org=world.county_a1, status="success")
    LoginLog.objects.create(username="b", org=world.county_b1, status="failure")
    visible = set(
        LoginLog.objects.visible_to(world.city_admin_a).values_list("username", flat=True)
    )
    assert visible == {"a"}
    assert {"a", "b"} <= set(
        LoginLog.objects.visible_to(world.auditor).values_list("username", flat=True)
    )


def test_change_log_filters_by_request_id(client, world):
    with audit_context(user=world.province_admin) as ctx:
        org_services.org_update(actor=world.province_admin, org=world.city_b, data={"sort": 7})
    client.force_login(world.auditor)
    response = client.get(reverse("core:changelog_list"), {"request_id": str(ctx.request_id)})
    assert response.status_code == 200
    assert "广州市总工会" in response.content.decode()
    bad = client.get(reverse("core:changelog_list"), {"request_id": "not-a-uuid"})
    assert bad.status_code == 200
    assert "广州市总工会" not in bad.content.decode()


def test_numbers_beyond_the_database_range_are_400_not_500(client, world):
    client.force_login(world.city_admin_a)
    huge = 2**70
    assert client.get(f"/api/v1/orgs/organizations/{huge}/").status_code in (400, 404)
    assert client.get("/api/v1/orgs/organizations/", {"ancestor_id": huge}).status_code == 400
    assert client.get(reverse("orgs:organization_list"), {"ancestor_id": huge}).status_code in (
        200,
        400,
    )
    assert client.get(f"/orgs/{huge}/").status_code in (400, 404)


def test_change_log_pages_name_fields_in_chinese(client, world):
    from django.urls import reverse

    from jiangqiao.core.models import ChangeLog
    from jiangqiao.talents.tests.helpers import make_craftsman

    c = make_craftsman(world.county_a1, world.city_admin_a)
    from jiangqiao.talents import services

    services.craftsman_update(
        actor=world.city_admin_a, craftsman=c, data={"expertise": "焊接机器人编程"}
    )
    client.force_login(world.auditor)
    row = ChangeLog.objects.filter(object_id=str(c.pk), action="update").latest("pk")
    detail = client.get(reverse("core:changelog_detail", args=[row.pk])).content.decode()
    assert "技术专长" in detail
    client.force_login(world.city_admin_a)
    tab = client.get(c.get_absolute_url() + "?tab=changelog").content.decode()
    assert "技术专长" in tab and "<code>expertise</code>" not in tab
