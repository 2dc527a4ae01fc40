"""Second factor (TOTP): the gate after the password, enrolment, bad codes, lockout, reset."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiangqiao.accounts import second_factor, services
from jiangqiao.accounts.models import LoginLog, Role, SealedTOTPDevice, User
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import PASSWORD, admin_user, make_user

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/login/verify/"
ENROL = "/accounts/login/enrol/"


@pytest.fixture(autouse=True)
def _enforced(settings):
    settings.JIANGQIAO_SECOND_FACTOR_ENFORCED = True


def code_for(device: TOTPDevice, *, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def enrol(user: User) -> SealedTOTPDevice:
    """A confirmed TOTP device (no recovery codes: the enrolment tests make those)."""
    return second_factor.device_create(user=user, confirmed=True)


def login(client, username: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def clerk(world) -> User:
    """An ordinary union clerk (工会工作人员: no 三员 permission, not the task force)."""
    return make_user("clerk", world.county_a1, Role.objects.get(code="union_staff"))


def shown_codes(response) -> list[str]:
    return re.findall(
        r'<code class="fs-3">([a-z2-9]{5}-[a-z2-9]{5})</code>', response.content.decode()
    )


def messages_of(response) -> str:
    return response.content.decode()


# --- who must ------------------------------------------------------------------------------------


def test_required_on_effective_rights_not_on_role_names(world):
    sysadmin = admin_user("sys1", world.province, "system_admin")
    secadmin = admin_user("sec1", world.province, "security_admin")
    taskforce = make_user("tf1", world.province, Role.objects.get(code="provincial_task_force"))
    ordinary = clerk(world)
    assert second_factor.is_required(sysadmin)
    assert second_factor.is_required(secadmin)
    assert second_factor.is_required(world.auditor)
    assert second_factor.is_required(taskforce)
    assert second_factor.is_required(world.superuser)
    assert not second_factor.is_required(ordinary)
    # A role of another name that carries the audit administrator's permission counts too.
    renamed = Role.objects.get(code="audit_admin")
    renamed.name = "日志查看岗"
    renamed.save()
    other = make_user("aud2", world.province, renamed)
    assert second_factor.is_required(other)
    # A disabled role grants nothing, so it requires nothing.
    role = Role.objects.get(code="provincial_task_force")
    services.role_set_status(actor=None, role=role, status="disabled")
    taskforce = User.objects.get(pk=taskforce.pk)
    assert not second_factor.is_required(taskforce)


# --- attacks: the password alone -----------------------------------------------------------------


@pytest.mark.parametrize("code", ["system_admin", "security_admin", "audit_admin"])
def test_three_duty_user_reaches_nothing_with_the_password_alone(client, world, code):
    user = admin_user("adm", world.province, code)
    enrol(user)
    response = login(client, "adm")
    assert response.status_code == 302
    for path in (
        "/",
        "/accounts/profile/",
        "/accounts/users/",
        "/accounts/tokens/",
        "/accounts/two-factor/",
        "/accounts/password/",
        f"/accounts/users/{user.pk}/",
    ):
        page = client.get(path)
        assert page.status_code == 302, path
        assert page["Location"].startswith(VERIFY), path
    api = client.get("/api/v1/accounts/login-logs/")
    assert api.status_code == 403
    assert "二次验证" in api.json()["detail"]
    # A write through the session is refused as well (no redirect to follow for a POST).
    post = client.post("/accounts/tokens/", {"name": "x", "days": 30})
    assert post.status_code == 302 and post["Location"] == VERIFY


def test_required_user_without_device_must_enrol_before_anything(client, world):
    login(client, "auditor")
    page = client.get("/accounts/login-logs/")
    assert page.status_code == 302 and page["Location"].startswith(ENROL)
    assert client.get("/api/v1/accounts/login-logs/").status_code == 403
    assert LoginLog.objects.filter(username="auditor", message__contains="须先绑定").exists()


def test_correct_code_lets_him_in_and_is_logged(client, world):
    device = enrol(world.auditor)
    login(client, "auditor")
    response = client.post(VERIFY, {"code": code_for(device), "next": "/accounts/login-logs/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login-logs/"
    assert client.get("/accounts/login-logs/").status_code == 200
    assert client.get("/api/v1/accounts/login-logs/").status_code == 200
    log = (
        LoginLog.objects.filter(username="auditor").order_by("-pk").values_list("status", "message")
    )
    assert log[0] == ("success", "动态口令验证通过，登录成功")
    assert log[1] == ("success", "口令正确，待验证动态口令")


def test_session_key_changes_when_the_second_factor_is_passed(client, world):
    device = enrol(world.auditor)
    login(client, "auditor")
    before = client.session.session_key
    client.post(VERIFY, {"code": code_for(device)})
    assert client.session.session_key != before


# --- bad input -----------------------------------------------------------------------------------


def test_wrong_code_is_refused_with_a_chinese_message_and_logged(client, world):
    device = enrol(world.auditor)
    login(client, "auditor")
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    text = messages_of(response)
    assert "动态口令：不正确或已过期" in text
    assert "再错 4 次将暂停登录" in text
    assert client.get("/").status_code == 302
    assert LoginLog.objects.filter(
        username="auditor", status="failure", message="动态口令错误"
    ).exists()


def test_malformed_input_is_refused_without_counting(client, world):
    device = enrol(world.auditor)
    login(client, "auditor")
    for typed in ("12345", "abc", "１２３４５６７"):
        response = client.post(VERIFY, {"code": typed})
        assert response.status_code == 400
        assert "请输入 6 位数字" in messages_of(response)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert client.post(VERIFY, {"code": ""}).status_code == 400


def test_replayed_code_is_refused(client, world):
    device = enrol(world.auditor)
    with time_machine.travel(timezone.now(), tick=False):
        code = code_for(device)
        login(client, "auditor")
        assert client.post(VERIFY, {"code": code}).status_code == 302
        client.post(reverse("accounts:logout"))
        # Someone who saw the code over the shoulder, within the same 30 seconds.
        other = client.__class__()
        login(other, "auditor")
        response = other.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert "该口令已使用过" in messages_of(response)
    assert LoginLog.objects.filter(username="auditor", message__contains="重放").exists()


def test_expired_code_is_refused(client, world):
    device = enrol(world.auditor)
    login(client, "auditor")
    old = code_for(device, at=time.time() - 5 * device.step)
    if old == code_for(device):  # one chance in a million that the codes coincide
        old = code_for(device, at=time.time() - 6 * device.step)
    response = client.post(VERIFY, {"code": old})
    assert response.status_code == 400
    assert "不正确或已过期" in messages_of(response)


def test_lockout_after_five_wrong_codes_ends_the_session_and_holds_for_the_pause(client, world):
    device = enrol(world.auditor)
    login(client, "auditor")
    right = code_for(device)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for _ in range(4):
        assert client.post(VERIFY, {"code": wrong}).status_code == 400
    locked = client.post(VERIFY, {"code": wrong})
    assert locked.status_code == 429
    assert "暂停登录" in messages_of(locked)
    # The session is over: back to the password.
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith(reverse("accounts:login"))
    assert LoginLog.objects.filter(username="auditor", status="locked").exists()
    # A new password login does not clear the count: even the right code is refused now.
    login(client, "auditor")
    refused = client.post(VERIFY, {"code": code_for(device)})
    assert refused.status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        login(client, "auditor")
        assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
        assert client.get("/accounts/profile/").status_code == 200


def test_recovery_code_works_once(client, world):
    user = world.auditor
    with time_machine.travel(timezone.now(), tick=False):
        login(client, "auditor")
        page = client.get(ENROL)
        assert page.status_code == 200
        device = SealedTOTPDevice.objects.get(user=user, confirmed=False)
        done = client.post(ENROL, {"code": code_for(device)})
    assert done.status_code == 200
    codes = shown_codes(done)
    assert len(codes) == 10 and len(set(codes)) == 10
    # Stored as digests, never as typed.
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    client.post(reverse("accounts:logout"))
    login(client, "auditor")
    used = client.post(VERIFY, {"code": codes[0].upper()})
    assert used.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert LoginLog.objects.filter(username="auditor", message__contains="还剩 9 个").exists()
    client.post(reverse("accounts:logout"))
    login(client, "auditor")
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 400
    assert "恢复码：不正确或已使用过" in messages_of(again)
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302


# --- enrolment -----------------------------------------------------------------------------------


def test_enrolment_page_shows_qr_and_secret_only_to_the_owner_and_a_wrong_code_keeps_it(
    client, world
):
    login(client, "auditor")
    page = client.get(ENROL)
    text = page.content.decode()
    assert "<svg" in text and "<script" not in text
    device = SealedTOTPDevice.objects.get(user=world.auditor, confirmed=False)
    assert second_factor.secret_text(device) in text
    # The page keeps the same secret across reloads until confirmed.
    assert second_factor.secret_text(device) in client.get(ENROL).content.decode()
    right = code_for(device)
    bad = client.post(ENROL, {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    assert bad.status_code == 400
    assert "动态口令：不正确" in bad.content.decode()
    assert not TOTPDevice.objects.filter(user=world.auditor, confirmed=True).exists()
    assert client.get("/").status_code == 302
    # Another user's session never sees it: his own page has his own secret.
    other = client.__class__()
    login(other, "superuser")
    mine = SealedTOTPDevice.objects.filter(user=world.superuser)
    other_text = other.get(ENROL).content.decode()
    assert second_factor.secret_text(device) not in other_text
    assert second_factor.secret_text(mine.get()) in other_text


def test_enrolment_verifies_the_session_and_is_audited(client, world):
    login(client, "auditor")
    client.get(ENROL)
    device = SealedTOTPDevice.objects.get(user=world.auditor, confirmed=False)
    assert client.post(ENROL, {"code": code_for(device)}).status_code == 200
    assert client.get("/accounts/login-logs/").status_code == 200
    assert OperationLog.objects.filter(action__contains="绑定动态口令").exists()
    # Once confirmed, the secret is not shown again, not even to the owner.
    assert client.get(ENROL).status_code == 302
    manage = client.get("/accounts/two-factor/").content.decode()
    assert second_factor.secret_text(SealedTOTPDevice.objects.get(user=world.auditor)) not in manage


def test_optional_enrolment_for_an_ordinary_clerk(client, world):
    user = clerk(world)
    login(client, "clerk")
    assert client.get("/accounts/profile/").status_code == 200
    assert "未启用" in client.get("/accounts/two-factor/").content.decode()
    client.get(ENROL)
    device = SealedTOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(ENROL, {"code": code_for(device)}).status_code == 200
    client.post(reverse("accounts:logout"))
    # From now on his login asks for the code too.
    login(client, "clerk")
    assert client.get("/accounts/profile/")["Location"].startswith(VERIFY)


def test_user_who_gains_a_privileged_role_must_enrol_at_the_next_request(client, world):
    user = clerk(world)
    login(client, "clerk")
    assert client.get("/accounts/profile/").status_code == 200
    secadmin = admin_user("sec1", world.province, "security_admin")
    services.user_set_roles(
        actor=secadmin, user=user, roles=[Role.objects.get(code="provincial_task_force")]
    )
    page = client.get("/accounts/profile/")
    assert page.status_code == 302 and page["Location"].startswith(ENROL)


def test_regenerated_recovery_codes_replace_the_old_ones(client, world):
    device = enrol(world.auditor)
    login(client, "auditor")
    client.post(VERIFY, {"code": code_for(device)})
    old = shown_codes(client.post("/accounts/two-factor/"))
    assert len(old) == 10
    second = shown_codes(client.post("/accounts/two-factor/"))
    assert len(second) == 10 and not set(old) & set(second)
    assert StaticToken.objects.filter(device__user=world.auditor).count() == 10


# --- reset ---------------------------------------------------------------------------------------


def test_security_admin_resets_and_the_user_must_enrol_again(client, world):
    device = enrol(world.auditor)
    login(client, "auditor")
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/accounts/login-logs/").status_code == 200
    secadmin = admin_user("sec1", world.province, "security_admin")
    admin_client = client.__class__()
    # force_login alone is not enough here (the gate is on): he passes both factors.
    admin_client.force_login(secadmin)
    assert admin_client.get("/").status_code == 302
    admin_client = client.__class__()
    admin_device = enrol(secadmin)
    login(admin_client, "sec1")
    admin_client.post(VERIFY, {"code": code_for(admin_device)})
    detail = admin_client.get(f"/accounts/users/{world.auditor.pk}/")
    assert "重置动态口令" in detail.content.decode()
    response = admin_client.post(f"/accounts/users/{world.auditor.pk}/reset-second-factor/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.auditor).exists()
    assert OperationLog.objects.filter(action__contains="重置用户“auditor”的动态口令").exists()
    # His running session is no longer verified: enrol again.
    page = client.get("/accounts/login-logs/")
    assert page.status_code == 302 and page["Location"].startswith(ENROL)
    # The reset page never showed the secret.
    assert device.key not in detail.content.decode()


def test_reset_rules(world):
    secadmin = admin_user("sec1", world.province, "security_admin")
    sec2 = admin_user("sec2", world.province, "security_admin")
    sysadmin = admin_user("sys1", world.province, "system_admin")
    ordinary = clerk(world)
    for user in (secadmin, sec2, sysadmin, ordinary):
        enrol(user)
    with pytest.raises(BusinessError, match="本人"):
        second_factor.reset(actor=secadmin, user=secadmin)
    # 三员分立: a security administrator's second factor is reset by the system administrator.
    with pytest.raises(BusinessError, match="三员分立"):
        second_factor.reset(actor=secadmin, user=sec2)
    assert second_factor.reset(actor=sysadmin, user=sec2) == 1
    # An ordinary account needs the permission: the system administrator does not hold it.
    with pytest.raises(BusinessError, match="没有重置动态口令的权限"):
        second_factor.reset(actor=sysadmin, user=ordinary)
    assert second_factor.reset(actor=secadmin, user=ordinary) == 1
    with pytest.raises(BusinessError, match="尚未绑定"):
        second_factor.reset(actor=secadmin, user=ordinary)


def test_reset_permission_is_a_security_duty(world):
    from jiangqiao.accounts import duties

    assert "accounts.reset_second_factor" in duties.DUTY_PERMISSIONS[duties.Duty.SECURITY]
    sysadmin = admin_user("sys1", world.province, "system_admin")
    assert not sysadmin.has_perm("accounts.reset_second_factor")


# --- machine clients -----------------------------------------------------------------------------


def test_api_tokens_are_not_concerned(client, world):
    device = enrol(world.auditor)
    login(client, "auditor")
    client.post(VERIFY, {"code": code_for(device)})
    taskforce = make_user("tf1", world.province, Role.objects.get(code="provincial_task_force"))
    _, key = services.token_issue(actor=taskforce, name="全国平台数据交换", days=30)
    from rest_framework.test import APIClient

    api = APIClient()
    response = api.get("/api/v1/orgs/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    # A token and an unverified session cookie together: the token decides, not the session.
    unverified = client.__class__()
    login(unverified, "tf1")
    both = unverified.get("/api/v1/orgs/", HTTP_AUTHORIZATION=f"Token {key}")
    assert both.status_code == 200
    assert unverified.get("/api/v1/orgs/").status_code == 403


def test_gate_is_on_outside_the_test_settings():
    from config.settings import base

    assert base.JIANGQIAO_SECOND_FACTOR_ENFORCED is True


# --- the demo ------------------------------------------------------------------------------------


def test_demo_privileged_accounts_log_in_with_the_published_secret(client, settings):
    from base64 import b32decode
    from io import StringIO

    from django.core.management import call_command

    from jiangqiao.accounts.management.commands.demo_accounts import (
        DEMO_PASSWORD,
        DEMO_TOTP_SECRET,
    )

    settings.JIANGQIAO_ALLOW_DEMO = True
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert DEMO_TOTP_SECRET in out.getvalue()
    enrolled = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True)
    )
    assert enrolled == {"sysadmin", "secadmin", "auditor", "gd_taskforce"}
    device = SealedTOTPDevice.objects.get(user__username="secadmin")
    assert device.bin_key == b32decode(DEMO_TOTP_SECRET)
    login(client, "secadmin", DEMO_PASSWORD)
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    assert client.get("/accounts/users/").status_code == 200
    # An ordinary demo account logs in with the password alone.
    other = client.__class__()
    login(other, "ns_staff", DEMO_PASSWORD)
    assert other.get("/accounts/profile/").status_code == 200
