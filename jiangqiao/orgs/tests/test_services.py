from __future__ import annotations

import pytest

from jiangqiao.core.choices import Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import make_uscc
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.orgs import services
from jiangqiao.orgs.choices import OrgLevel
from jiangqiao.orgs.models import Organization

pytestmark = pytest.mark.django_db


def test_create_computes_the_materialised_path_and_depth(world):
    org = services.org_create(
        actor=world.city_admin_a,
        parent=world.county_a1,
        level=OrgLevel.GRASSROOTS,
        name="南山某公司工会",
        region_code="440305",
    )
    assert org.path == f"{world.county_a1.path}{org.pk}/"
    assert org.depth == world.county_a1.depth + 1
    assert org.ancestor_ids() == [
        world.province.pk,
        world.city_a.pk,
        world.county_a1.pk,
        org.pk,
    ]


def test_create_writes_change_log_and_operation_log(world):
    org = services.org_create(
        actor=world.city_admin_a,
        parent=world.city_a,
        level=OrgLevel.COUNTY,
        name="福田区总工会",
        region_code="440304",
    )
    log = ChangeLog.objects.get(
        content_type__model="organization", object_id=str(org.pk), action="create"
    )
    assert log.postchange_data["name"] == "福田区总工会"
    assert log.postchange_data["path"] == org.path
    assert log.user == world.city_admin_a
    assert log.org_id == org.pk
    assert OperationLog.objects.filter(target_id=str(org.pk), business_type="insert").exists()


def test_subtree_is_one_range_query_on_path(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(
            Organization.objects.filter(world.city_a.subtree_q()).values_list("name", flat=True)
        )
    assert names == {"深圳市总工会", "南山区总工会", "宝安区总工会", "南山精密公司工会"}


def test_level_rules_reject_a_city_under_a_county(world):
    with pytest.raises(BusinessError) as exc:
        services.org_create(
            actor=world.province_admin,
            parent=world.county_a1,
            level=OrgLevel.CITY,
            name="错误的市",
            region_code="440300",
        )
    assert exc.value.field == "parent"
    assert not Organization.objects.filter(name="错误的市").exists()


def test_unknown_region_code_is_rejected_naming_the_field(world):
    with pytest.raises(BusinessError) as exc:
        services.org_create(
            actor=world.city_admin_a,
            parent=world.city_a,
            level=OrgLevel.COUNTY,
            name="不存在区",
            region_code="440399",
        )
    assert exc.value.field == "region_code"
    assert "440399" in exc.value.message


def test_grassroots_uscc_must_start_with_81(world):
    enterprise_code = make_uscc("9", "1", "440305", "MA5G7K2X")
    with pytest.raises(Exception) as exc:
        services.org_create(
            actor=world.city_admin_a,
            parent=world.county_a1,
            level=OrgLevel.GRASSROOTS,
            name="用企业代码的工会",
            region_code="440305",
            uscc=enterprise_code,
        )
    assert "81" in str(exc.value)
    assert not Organization.objects.filter(name="用企业代码的工会").exists()
    union_code = make_uscc("8", "1", "440305", "MA5G7K2X")
    org = services.org_create(
        actor=world.city_admin_a,
        parent=world.county_a1,
        level=OrgLevel.GRASSROOTS,
        name="有代码的工会",
        region_code="440305",
        uscc=union_code,
    )
    assert org.uscc == union_code


def test_creating_outside_scope_rolls_back(world):
    with pytest.raises(ScopeViolation):
        services.org_create(
            actor=world.city_admin_a,
            parent=world.city_b,
            level=OrgLevel.COUNTY,
            name="越秀区总工会",
            region_code="440104",
        )
    assert not Organization.objects.filter(name="越秀区总工会").exists()


def test_org_scope_user_cannot_create_below_own_unit(world):
    # 仅本级: the new unit would be below, i.e. outside the scope.
    with pytest.raises(ScopeViolation):
        services.org_create(
            actor=world.county_operator,
            parent=world.county_a1,
            level=OrgLevel.GRASSROOTS,
            name="新基层工会",
            region_code="440305",
        )
    assert not Organization.objects.filter(name="新基层工会").exists()


def test_move_rewrites_the_whole_subtree(world):
    moved = services.org_move(
        actor=world.province_admin, org=world.county_a1, new_parent=world.city_b
    )
    grassroots = Organization.objects.get(pk=world.grassroots_a1.pk)
    assert moved.path == f"{world.city_b.path}{world.county_a1.pk}/"
    assert grassroots.path == f"{moved.path}{grassroots.pk}/"
    assert grassroots.depth == 3
    in_city_b = set(
        Organization.objects.filter(world.city_b.subtree_q()).values_list("pk", flat=True)
    )
    assert {world.county_a1.pk, world.grassroots_a1.pk} <= in_city_b


def test_cannot_move_under_own_descendant(world):
    with pytest.raises(BusinessError):
        services.org_move(actor=world.province_admin, org=world.city_a, new_parent=world.county_a1)


def test_disable_requires_children_disabled_first(world):
    with pytest.raises(BusinessError):
        services.org_set_status(
            actor=world.province_admin, org=world.city_a, status=Status.DISABLED
        )
    services.org_set_status(
        actor=world.province_admin, org=world.grassroots_a1, status=Status.DISABLED
    )
    assert Organization.objects.get(pk=world.grassroots_a1.pk).status == Status.DISABLED
    # A disabled unit accepts no new children.
    with pytest.raises(BusinessError):
        services.org_create(
            actor=world.province_admin,
            parent=Organization.objects.get(pk=world.grassroots_a1.pk),
            level=OrgLevel.GRASSROOTS,
            name="x",
            region_code="440305",
        )


def test_update_records_before_and_after(world):
    services.org_update(
        actor=world.city_admin_a, org=world.county_a1, data={"contact_name": "黄主席"}
    )
    log = ChangeLog.objects.filter(
        content_type__model="organization", object_id=str(world.county_a1.pk), action="update"
    ).latest("pk")
    assert log.prechange_data["contact_name"] == ""
    assert log.postchange_data["contact_name"] == "黄主席"
    assert log.user == world.city_admin_a


def test_breadcrumb_shows_only_visible_upper_units(client, world):
    client.force_login(world.county_operator)  # 仅本级 at 南山区
    html = client.get(world.county_a1.get_absolute_url()).content.decode()
    assert "南山区总工会" in html
    # The parent unit is named as plain text (上级组织); no upper unit is linked (404 there).
    assert "广东省总工会" not in html
    assert f'href="{world.city_a.get_absolute_url()}"' not in html
    assert f'href="{world.province.get_absolute_url()}"' not in html
    client.force_login(world.city_admin_a)
    html = client.get(world.county_a1.get_absolute_url()).content.decode()
    assert "深圳市总工会" in html and "广东省总工会" not in html
