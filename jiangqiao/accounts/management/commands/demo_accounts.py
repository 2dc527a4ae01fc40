"""Demo organisations and one account per role (idempotent; for `make run`, never for production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiangqiao.accounts import second_factor
from jiangqiao.accounts.models import Role, User
from jiangqiao.core.identifiers import make_uscc
from jiangqiao.orgs.choices import OrgLevel
from jiangqiao.orgs.models import Organization

DEMO_PASSWORD = "Jiangqiao@2026"  # noqa: S105 — demo only, printed by `make run`
#: The TOTP secret (base32) of every demo account that must use a second factor (the 三员 and the
#: 省总工作专班): published in the README so that a tester can add it to an authenticator app.
DEMO_TOTP_SECRET = "JIANGQIAODEMOTOTPJIANGQIAODEMO23"  # noqa: S105 — demo only, printed

# (name, region code, [(county name, code), ...]) — the six pilot cities of the Guangdong plan.
PILOT_CITIES = [
    ("广州市总工会", "440100", [("天河区总工会", "440106"), ("黄埔区总工会", "440112")]),
    ("深圳市总工会", "440300", [("南山区总工会", "440305"), ("宝安区总工会", "440306")]),
    ("汕尾市总工会", "441500", [("城区总工会", "441502"), ("海丰县总工会", "441521")]),
    ("东莞市总工会", "441900", []),
    ("韶关市总工会", "440200", [("武江区总工会", "440203"), ("南雄市总工会", "440282")]),
    ("湛江市总工会", "440800", [("赤坎区总工会", "440802"), ("雷州市总工会", "440882")]),
]

# (username, real name, role code, org name)
DEMO_USERS = [
    ("sysadmin", "系统管理员", "system_admin", "广东省总工会"),
    ("secadmin", "安全管理员", "security_admin", "广东省总工会"),
    ("auditor", "审计管理员", "audit_admin", "广东省总工会"),
    ("gd_taskforce", "陈专班", "provincial_task_force", "广东省总工会"),
    ("sz_staff", "李深圳", "union_staff", "深圳市总工会"),
    ("ns_staff", "王南山", "union_staff", "南山区总工会"),
    ("gz_staff", "张广州", "union_staff", "广州市总工会"),
    ("ent_contact", "赵企业", "enterprise_contact", "南山区总工会"),
    ("craftsman", "刘工匠", "craftsman", "南山区总工会"),
    ("academy", "周学院", "academy_admin", "深圳市总工会"),
]


def _org(
    parent: Organization | None, level: str, name: str, region: str, **extra: Any
) -> Organization:
    from jiangqiao.orgs.services import org_create

    existing = Organization.objects.filter(parent=parent, name=name).first()
    if existing is not None:
        return existing
    return org_create(
        actor=None, parent=parent, level=level, name=name, region_code=region, **extra
    )


class Command(BaseCommand):
    help = "创建演示组织（广东省及六个试点城市）和每个角色的演示账号；已存在的不重复创建。"

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not getattr(settings, "JIANGQIAO_ALLOW_DEMO", False):
            raise CommandError("演示数据只能在调试模式下创建（DJANGO_DEBUG=True）")
        with transaction.atomic():
            created = self._build()
        self.stdout.write(f"演示账号：新建 {created} 个")
        self.stdout.write(f"\n演示登录（密码均为 {DEMO_PASSWORD}）：")
        totp_users = []
        for username, real_name, role_code, org_name in DEMO_USERS:
            role = Role.objects.get(code=role_code)
            user = User.objects.get(username=username)
            mark = ""
            if second_factor.has_device(user):
                mark = "  [动态口令]"
                totp_users.append(username)
            self.stdout.write(f"  {username:<14} {role.name:<8} {org_name}（{real_name}）{mark}")
        if totp_users:
            self.stdout.write(
                f"\n标 [动态口令] 的账号登录时还须输入 6 位动态口令：在手机验证器中手动添加密钥 "
                f"{DEMO_TOTP_SECRET}（基于时间，30 秒，6 位），或运行 "
                f"oathtool --totp -b {DEMO_TOTP_SECRET}。仅供演示，切勿用于生产。"
            )

    def _build(self) -> int:
        province = _org(None, OrgLevel.PROVINCE, "广东省总工会", "440000")
        _org(province, OrgLevel.INDUSTRY, "广东省机械冶金工会", "440000")
        for city_name, city_code, counties in PILOT_CITIES:
            city = _org(province, OrgLevel.CITY, city_name, city_code)
            for county_name, county_code in counties:
                county = _org(city, OrgLevel.COUNTY, county_name, county_code)
                if county_code == "440305":
                    _org(
                        county,
                        OrgLevel.GRASSROOTS,
                        "深圳市南山区精密制造有限公司工会委员会",
                        county_code,
                        uscc=make_uscc("8", "1", county_code, "MA5G7K2X"),
                    )
        created = 0
        for username, real_name, role_code, org_name in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = User(
                username=username,
                real_name=real_name,
                org=Organization.objects.get(name=org_name),
                must_change_password=False,
            )
            user.set_password(DEMO_PASSWORD)
            from django.utils import timezone

            user.password_changed_at = timezone.now()
            user.save()
            user.roles.set([Role.objects.get(code=role_code)])
            created += 1
        for username, *_ in DEMO_USERS:
            _enrol_demo_totp(User.objects.get(username=username))
        return created


def _enrol_demo_totp(user: User) -> None:
    """Give a demo account that must use a second factor a device with the published secret, so
    that `make run` stays usable; an account with a device of its own, or an enrolment under way,
    is left alone."""
    from base64 import b32decode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not second_factor.is_required(user) or second_factor.has_device(user):
        return
    if TOTPDevice.objects.filter(user=user).exists():
        return
    second_factor.device_create(user=user, confirmed=True, key=b32decode(DEMO_TOTP_SECRET).hex())
