"""The standard test world: an org tree and one user per typical data scope.

``build_world()`` creates
    province (广东省总工会, 440000)
      ├─ city_a (深圳市总工会, 440300) ─ county_a1 (南山区, 440305) ─ grassroots_a1
      │                               └ county_a2 (宝安区, 440306)
      └─ city_b (广州市总工会, 440100) ─ county_b1 (天河区, 440106)
and users
    province_admin  本级及下级 at the province   city_admin_a  本级及下级 at city_a
    city_admin_b    本级及下级 at city_b          county_operator 仅本级 at county_a1
    grassroots_clerk 仅本人 at grassroots_a1      auditor (审计管理员)   superuser
All business users share one test role per scope that holds every permission of the platform's
apps except the security and audit duties' (roles, role assignment, all logs: 三员分立) — they
manage user accounts in their scope, as a unit's system administrator does — so tests exercise
the data scope, not missing permissions; ``admin_user`` makes a 三员 administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission

from jiangqiao.accounts.forms import PERMISSION_APPS
from jiangqiao.accounts.models import Role, User
from jiangqiao.core.choices import DataScope
from jiangqiao.orgs.choices import OrgLevel
from jiangqiao.orgs.models import Organization

PASSWORD = "Test@pass-2026"


def make_org(parent: Organization | None, level: str, name: str, region: str) -> Organization:
    org = Organization(
        parent=parent,
        level=level,
        name=name,
        region_code=region,
        depth=(parent.depth + 1) if parent else 0,
        path="/",
    )
    org.save()
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    Organization.objects.filter(pk=org.pk).update(path=org.path)
    return org


def scope_role(scope: str, *, perms: Any = None) -> Role:
    code = f"test_{scope}"
    role = Role.objects.filter(code=code).first()
    if role is None:
        group = Group.objects.create(name=f"role:{code}")
        role = Role.objects.create(group=group, code=code, name=f"测试-{scope}", data_scope=scope)
        if perms is None:
            perms = business_permissions()
        group.permissions.set(perms)
    return role


def business_permissions() -> Any:
    """Every permission of the platform's apps but the security and audit duties' (a holder of the
    system duty, as these users are, may never also hold those: 三员分立)."""
    from django.db.models import Q

    from jiangqiao.accounts.duties import DUTY_PERMISSIONS, Duty

    duty = Q(pk__in=[])
    for names in (DUTY_PERMISSIONS[Duty.SECURITY], DUTY_PERMISSIONS[Duty.AUDIT]):
        for name in names:
            app_label, codename = name.split(".")
            duty |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(content_type__app_label__in=PERMISSION_APPS).exclude(duty)


def admin_user(username: str, org: Organization | None, code: str) -> User:
    """An account holding one of the built-in 三员 roles (system_admin/security_admin/audit_admin)."""
    return make_user(username, org, Role.objects.get(code=code))


def no_perm_role() -> Role:
    """A role with the widest data scope and no functional permission at all."""
    role = Role.objects.filter(code="test_noperm").first()
    if role is None:
        group = Group.objects.create(name="role:test_noperm")
        role = Role.objects.create(
            group=group, code="test_noperm", name="测试-无权限", data_scope=DataScope.ALL
        )
    return role


def make_user(username: str, org: Organization | None, *roles: Role, **extra: Any) -> User:
    user = User(username=username, org=org, must_change_password=False, **extra)
    user.set_password(PASSWORD)
    from django.utils import timezone

    user.password_changed_at = timezone.now()
    user.save()
    if roles:
        user.roles.set(roles)
    return user


@dataclass
class World:
    province: Organization
    city_a: Organization
    city_b: Organization
    county_a1: Organization
    county_a2: Organization
    county_b1: Organization
    grassroots_a1: Organization
    province_admin: User
    city_admin_a: User
    city_admin_b: User
    county_operator: User
    grassroots_clerk: User
    auditor: User
    superuser: User

    def orgs(self) -> list[Organization]:
        return [
            self.province,
            self.city_a,
            self.city_b,
            self.county_a1,
            self.county_a2,
            self.county_b1,
            self.grassroots_a1,
        ]


def build_world() -> World:
    province = make_org(None, OrgLevel.PROVINCE, "广东省总工会", "440000")
    city_a = make_org(province, OrgLevel.CITY, "深圳市总工会", "440300")
    city_b = make_org(province, OrgLevel.CITY, "广州市总工会", "440100")
    county_a1 = make_org(city_a, OrgLevel.COUNTY, "南山区总工会", "440305")
    county_a2 = make_org(city_a, OrgLevel.COUNTY, "宝安区总工会", "440306")
    county_b1 = make_org(city_b, OrgLevel.COUNTY, "天河区总工会", "440106")
    grassroots_a1 = make_org(county_a1, OrgLevel.GRASSROOTS, "南山精密公司工会", "440305")
    below = scope_role(DataScope.ORG_AND_BELOW)
    only_org = scope_role(DataScope.ORG)
    self_only = scope_role(DataScope.SELF)
    auditor_role = Role.objects.get(code="audit_admin")
    return World(
        province=province,
        city_a=city_a,
        city_b=city_b,
        county_a1=county_a1,
        county_a2=county_a2,
        county_b1=county_b1,
        grassroots_a1=grassroots_a1,
        province_admin=make_user("province_admin", province, below),
        city_admin_a=make_user("city_admin_a", city_a, below),
        city_admin_b=make_user("city_admin_b", city_b, below),
        county_operator=make_user("county_operator", county_a1, only_org),
        grassroots_clerk=make_user("grassroots_clerk", grassroots_a1, self_only),
        auditor=make_user("auditor", province, auditor_role),
        superuser=make_user("superuser", None, is_superuser=True, is_staff=True),
    )
