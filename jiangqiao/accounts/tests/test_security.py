"""Login, lockout, password policy, forced password change, session timeout, 三员分立."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts import services
from jiangqiao.accounts.models import LoginLog, Role, User
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_success_and_failure_are_logged(client, world):
    assert _login(client, "city_admin_a", "wrong").status_code == 200
    assert _login(client, "city_admin_a", PASSWORD).status_code == 302
    statuses = list(
        LoginLog.objects.filter(username="city_admin_a")
        .order_by("pk")
        .values_list("status", flat=True)
    )
    assert statuses == ["failure", "success"]
    log = LoginLog.objects.filter(username="city_admin_a", status="success").get()
    assert log.org_id == world.city_a.pk
    assert log.ip == "127.0.0.1"


@override_settings(AXES_ENABLED=True)
def test_five_failures_lock_the_account_for_ten_minutes(client, world):
    for _ in range(5):
        _login(client, "county_operator", "wrong")
    locked = _login(client, "county_operator", PASSWORD)
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert LoginLog.objects.filter(username="county_operator", status="locked").exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert _login(client, "county_operator", PASSWORD).status_code == 302


def test_password_complexity_is_enforced(world):
    user = world.city_admin_a
    for weak in ("short1A", "alllowercase123", "12345678901", "Password"):
        with pytest.raises(BusinessError) as exc:
            services.password_change(user=user, old_password=PASSWORD, new_password=weak)
        assert exc.value.field == "password"
    services.password_change(user=user, old_password=PASSWORD, new_password="Gd#Union2026x")
    assert User.objects.get(pk=user.pk).check_password("Gd#Union2026x")


def test_initial_password_must_be_changed_before_anything_else(client, world):
    user, initial = services.user_create(
        actor=world.city_admin_a, username="fresh", org=world.county_a1
    )
    client.force_login(user)
    response = client.get(reverse("orgs:organization_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    api = client.get("/api/v1/orgs/organizations/")
    assert api.status_code == 403
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": initial,
            "new_password1": "New#Pass2026a",
            "new_password2": "New#Pass2026a",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("core:home")).status_code == 200


def test_expired_password_forces_a_change(client, world):
    user = world.city_admin_a
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response["Location"] == reverse("accounts:password_change")


def test_session_is_an_idle_timeout(settings):
    # Refreshed at most once a minute instead of on every request (issue 12, item 7); the
    # behaviour is tested in core/tests/test_busy_database.py.
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_REFRESH_SECONDS == 60
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_production_hasher_is_argon2():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_three_admin_duties_cannot_be_combined(world):
    secadmin = make_user("sec", world.province, Role.objects.get(code="security_admin"))
    target = make_user("target", world.province)
    roles = [Role.objects.get(code="system_admin"), Role.objects.get(code="audit_admin")]
    with pytest.raises(BusinessError) as exc:
        services.user_set_roles(actor=secadmin, user=target, roles=roles)
    assert "三员分立" in exc.value.message
    assert target.roles.count() == 0


def test_nobody_changes_own_roles_and_only_assigners_grant(world):
    secadmin = make_user("sec2", world.province, Role.objects.get(code="security_admin"))
    with pytest.raises(BusinessError):
        services.user_set_roles(
            actor=secadmin, user=secadmin, roles=[Role.objects.get(code="audit_admin")]
        )
    sysadmin = make_user("sys2", world.province, Role.objects.get(code="system_admin"))
    target = make_user("t2", world.province)
    with pytest.raises(BusinessError):
        services.user_set_roles(
            actor=sysadmin, user=target, roles=[Role.objects.get(code="union_staff")]
        )
    services.user_set_roles(
        actor=secadmin, user=target, roles=[Role.objects.get(code="union_staff")]
    )
    assert list(target.roles.values_list("code", flat=True)) == ["union_staff"]


def test_builtin_roles_exist_with_their_scopes():
    scopes = dict(Role.objects.filter(is_builtin=True).values_list("code", "data_scope"))
    assert scopes == {
        "system_admin": "all",
        "security_admin": "all",
        "audit_admin": "all",
        "provincial_task_force": "org_and_below",
        "union_staff": "org_and_below",
        "enterprise_contact": "self",
        "craftsman": "self",
        "academy_admin": "org_and_below",
    }
    auditor = Role.objects.get(code="audit_admin")
    perms = set(auditor.group.permissions.values_list("codename", flat=True))
    assert perms == {"view_changelog", "view_operationlog", "view_loginlog", "view_all_logs"}


def test_disabled_user_cannot_log_in(client, world):
    # city_admin_b manages accounts (system duty): only the security administrator disables him.
    secadmin = make_user("sec_disable", world.province, Role.objects.get(code="security_admin"))
    services.user_set_active(actor=secadmin, user=world.city_admin_b, active=False)
    assert _login(client, "city_admin_b", PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session


@override_settings(AXES_ENABLED=True)
def test_a_lockout_counts_from_the_lock_not_from_the_last_attempt(client, world):
    """One try every 9 minutes must not keep an account locked for ever."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _login(client, "county_operator", "wrong")
    for minutes in (3, 6, 9):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert _login(client, "county_operator", "wrong").status_code == 429
    with time_machine.travel(start + timedelta(minutes=10, seconds=30), tick=False):
        assert _login(client, "county_operator", PASSWORD).status_code == 302


@override_settings(JIANGQIAO_LOGIN_IP_FAILURE_LIMIT=8, JIANGQIAO_LOGIN_IP_WINDOW_MINUTES=10)
def test_one_address_spraying_many_accounts_is_throttled(client, world):
    start = timezone.now()
    names = ["city_admin_a", "city_admin_b", "county_operator", "grassroots_clerk"]
    with time_machine.travel(start, tick=False):
        for n in range(8):
            assert _login(client, names[n % 4], "Spray#2026").status_code == 200
        blocked = _login(client, "province_admin", PASSWORD)
        assert blocked.status_code == 429
        assert "该网络地址登录失败次数过多" in blocked.content.decode()
        assert "_auth_user_id" not in client.session
    # Another address is not affected.
    other = client.__class__(REMOTE_ADDR="10.0.0.9")
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert _login(other, "province_admin", PASSWORD).status_code == 302
    # The window ends ten minutes after the first failure, however many tries came since.
    with time_machine.travel(start + timedelta(minutes=9), tick=False):
        assert _login(client, "province_admin", PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=10, seconds=5), tick=False):
        assert _login(client, "province_admin", PASSWORD).status_code == 302
