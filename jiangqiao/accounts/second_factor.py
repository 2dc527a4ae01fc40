"""Second factor (等保 level 3, 身份鉴别 d): TOTP with django-otp, and one-time recovery codes.

* **who needs it**: whoever ends up with a 三员 administrator's account permissions
  (``duties.ADMIN_ACCOUNT_PERMISSIONS``, decided on the permissions of his enabled roles, so a role
  renamed or a new role carrying them counts too), a superuser, and a holder of the 省总工作专班
  role (whose permissions are a subset of a union clerk's: only the role tells it apart). Everyone
  else may turn it on. A right gained later is seen at the next request.
* **the flow**: the password signs the session in; until the second factor is passed
  (``request.user.is_verified()``, django-otp) ``SecondFactorMiddleware`` lets the session reach
  only the code page, or the enrolment page when the factor is required and there is no device yet.
* **wrong codes** count against the account with the login lockout's limit and pause
  (``AXES_FAILURE_LIMIT`` failures, then ``AXES_COOLOFF_TIME`` from the last one); a new password
  login does not clear the count, only a right code does. A code is accepted once (django-otp keeps
  the last time step used), a recovery code once (it is deleted).
* **secrets**: the TOTP secret is shown to its owner only while he enrols and is stored encrypted
  with the field key (``TOTPSecret``; django-otp's own ``key`` column holds ``SEALED_KEY``, so its
  plain ``TOTPDevice`` cannot verify anything); recovery codes are shown once and stored as keyed
  digests (django-otp's static tokens would keep them in clear).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from base64 import b32encode
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from jiangqiao.core.choices import BusinessType
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import assert_visible

from . import duties
from .choices import BuiltinRole, LoginStatus
from .models import SEALED_KEY, SealedTOTPDevice, TOTPSecret

#: Roles that need the second factor although their permissions do not say so.
REQUIRED_ROLES = frozenset({str(BuiltinRole.PROVINCIAL_TASK_FORCE)})
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
#: Lower-case letters and digits without the look-alikes (0/o, 1/l/i): about 49 bits a code.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOTP_NAME = "动态口令"
STATIC_NAME = "恢复码"

VERIFY = "verify"
ENROL = "enrol"


def enforced() -> bool:
    return bool(getattr(settings, "JIANGQIAO_SECOND_FACTOR_ENFORCED", True))


def is_required(user: Any) -> bool:
    """Must ``user`` pass a second factor (on his effective rights, see the module doc)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if duties.admin_duties_of(user.get_all_permissions()):
        return True
    return bool(user.role_codes() & REQUIRED_ROLES)


def device_of(user: Any) -> SealedTOTPDevice | None:
    """The user's confirmed TOTP device."""
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(user: Any) -> bool:
    """Has this session passed the second factor (django-otp's ``OTPMiddleware`` tells)?"""
    return getattr(user, "otp_device", None) is not None


def pending(user: Any) -> str | None:
    """What the session must do before anything else: ``VERIFY``, ``ENROL`` or nothing."""
    if not getattr(user, "is_authenticated", False) or is_verified(user):
        return None
    if has_device(user):
        return VERIFY
    if is_required(user):
        return ENROL
    return None


# --- lockout -----------------------------------------------------------------------------------


def _limit() -> int:
    return max(1, int(getattr(settings, "AXES_FAILURE_LIMIT", 5)))


def _pause_seconds() -> float:
    pause = getattr(settings, "AXES_COOLOFF_TIME", None)
    return pause.total_seconds() if pause is not None else 600.0


def locked_for(device: TOTPDevice) -> int:
    """Seconds until ``device``'s owner may try a code again (0: not locked)."""
    last = device.throttling_failure_timestamp
    if device.throttling_failure_count < _limit() or last is None:
        return 0
    left = _pause_seconds() - (timezone.now() - last).total_seconds()
    return math.ceil(left) if left > 0 else 0


def _forget_old_failures(device: TOTPDevice) -> None:
    """Failures older than the pause are forgotten (as the password lockout's are)."""
    last = device.throttling_failure_timestamp
    if last is not None and (timezone.now() - last).total_seconds() >= _pause_seconds():
        device.throttle_reset(commit=True)


def minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


# --- recovery codes ----------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """What was typed, without spaces and hyphens, lower case (``abcde-fghjk`` = ``ABCDEFGHJK``)."""
    return "".join(ch for ch in (code or "").strip().lower() if ch.isascii() and ch.isalnum())


def recovery_digest(code: str) -> str:
    """Keyed digest of a recovery code (what the database keeps; django-otp's token column is 16
    characters, so 64 bits of an HMAC-SHA256 — a code has about 49 bits and the key is not in the
    database)."""
    secret = str(settings.SECRET_KEY).encode()
    return hmac.new(
        secret, f"recovery-code:{normalise_code(code)}".encode(), hashlib.sha256
    ).hexdigest()[:16]


def _new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with new ones; returns them (to be shown once).

    The static device is kept (only its tokens change), so a session verified by a recovery code
    stays verified."""
    static = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if static is None:
        static = StaticDevice.objects.create(user=user, name=STATIC_NAME)
    static.token_set.all().delete()
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(
        [StaticToken(device=static, token=recovery_digest(code)) for code in codes]
    )
    half = RECOVERY_CODE_LENGTH // 2
    return [f"{code[:half]}-{code[half:]}" for code in codes]


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user).count()


# --- enrolment ---------------------------------------------------------------------------------


def device_create(*, user: Any, confirmed: bool, key: str | None = None) -> SealedTOTPDevice:
    """A TOTP device for ``user`` whose secret (``key``, hexadecimal; 20 random bytes when not
    given) is stored encrypted in ``TOTPSecret``; django-otp's ``key`` column holds ``SEALED_KEY``."""
    with transaction.atomic():
        device = SealedTOTPDevice.objects.create(
            user=user, name=TOTP_NAME, confirmed=confirmed, key=SEALED_KEY
        )
        TOTPSecret.objects.create(device=device, key=key or random_hex(20))
    return device


def enrolment_device(user: Any) -> SealedTOTPDevice:
    """The device being enrolled: kept across reloads of the page until it is confirmed."""
    if has_device(user):
        raise BusinessError("您已绑定动态口令；如需更换手机，请联系安全管理员重置")
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = device_create(user=user, confirmed=False)
    return device


def secret_text(device: SealedTOTPDevice) -> str:
    """The secret in base32, in groups of four (for typing it into an authenticator)."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: SealedTOTPDevice) -> str:
    """The enrolment QR code as inline SVG, drawn on the server (no script, nothing fetched)."""
    import segno

    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, border=2))


def confirm_enrolment(request: HttpRequest, code: str) -> list[str]:
    """Confirm the device being enrolled with a code from it; the session is then verified.

    Returns the new recovery codes (shown once)."""
    from .services import _tell_owner

    user: Any = request.user
    code = normalise_code(code)
    if not (code.isdigit() and len(code) == 6):
        raise BusinessError("动态口令：请输入验证器显示的 6 位数字", field="code")
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise BusinessError("您已绑定动态口令")
        device = (
            SealedTOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise BusinessError("绑定已过期，请刷新页面重新扫码")
        if not device.verify_token(code):
            raise BusinessError(
                "动态口令：不正确。请确认已扫描本页的二维码、手机时间准确，再输入当前显示的 6 位数字",
                field="code",
            )
        device.confirmed = True
        device.throttle_reset(commit=False)
        device.save()
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _new_recovery_codes(user)
        record_operation(
            actor=user,
            module="账号安全",
            business_type=BusinessType.GRANT,
            action=f"用户“{user.username}”绑定动态口令（二次验证）",
            target=user,
        )
        _tell_owner(
            user,
            actor=user,
            title="您的账号已绑定动态口令",
            body=f"您的账号于{timezone.localtime():%Y-%m-%d %H:%M}绑定了动态口令，今后登录须输入。",
        )
    _log(request, user, LoginStatus.SUCCESS, "绑定动态口令，二次验证通过")
    _mark_verified(request, device)
    return codes


def regenerate_recovery_codes(request: HttpRequest) -> list[str]:
    """New recovery codes for a verified session (the old ones stop working)."""
    user: Any = request.user
    if not is_verified(user) or not has_device(user):
        raise BusinessError("请先通过二次验证")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record_operation(
            actor=user,
            module="账号安全",
            business_type=BusinessType.UPDATE,
            action=f"用户“{user.username}”重新生成恢复码",
            target=user,
        )
    return codes


# --- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    ok: bool
    message: str = ""
    #: The account is now paused: the view ends the session.
    locked: bool = False


def verify(request: HttpRequest, code: str) -> Verification:
    """Check a 6-digit code or a recovery code for the signed-in, not yet verified session.

    Every success and failure goes to the login log; counted failures also to the address's
    login-failure count (``throttling``)."""
    user: Any = request.user
    typed = normalise_code(code)
    log = ""
    with transaction.atomic():
        device = (
            SealedTOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            return Verification(False, "您尚未绑定动态口令")
        wait = locked_for(device)
        if wait:
            _log(request, user, LoginStatus.LOCKED, "动态口令错误次数过多，暂停期间再次尝试")
            return Verification(False, _locked_message(wait), locked=True)
        _forget_old_failures(device)
        if typed.isdigit() and len(typed) == device.digits:
            if device.verify_token(typed):
                result, used, message = True, device, "动态口令验证通过，登录成功"
            else:
                replayed = _was_used(device, typed)
                result, used = False, None
                message = (
                    "动态口令：该口令已使用过，请等验证器显示下一个口令后再输入"
                    if replayed
                    else "动态口令：不正确或已过期，请输入验证器当前显示的 6 位数字"
                )
                log = "动态口令已使用过（重放）" if replayed else "动态口令错误"
        elif len(typed) == RECOVERY_CODE_LENGTH:
            static = (
                StaticDevice.objects.select_for_update().filter(user=user).order_by("pk").first()
            )
            if static is not None and static.verify_token(recovery_digest(typed)):
                device.throttle_reset(commit=True)
                left = static.token_set.count()
                result, used = True, static
                message = f"使用恢复码登录成功（还剩 {left} 个恢复码）"
            else:
                device.throttle_increment(commit=True)
                result, used = False, None
                message = "恢复码：不正确或已使用过（每个恢复码只能用一次）"
                log = "恢复码错误或已使用"
        else:
            _log(request, user, LoginStatus.FAILURE, "动态口令格式不正确（未计入失败次数）")
            return Verification(
                False, "动态口令：请输入 6 位数字；使用恢复码时输入 10 位字母和数字"
            )
        wait = 0 if result else locked_for(device)
    if result:
        _log(request, user, LoginStatus.SUCCESS, message)
        _mark_verified(request, used)
        return Verification(True, message)
    from jiangqiao.core.context import client_ip

    from .throttling import record_failure

    record_failure(client_ip(request))
    if wait:
        _log(request, user, LoginStatus.LOCKED, f"{log}；连续错误 {_limit()} 次，暂停登录")
        return Verification(False, _locked_message(wait), locked=True)
    _log(request, user, LoginStatus.FAILURE, log)
    left = _limit() - device.throttling_failure_count
    return Verification(False, f"{message}（再错 {left} 次将暂停登录）")


def _locked_message(wait: int) -> str:
    return (
        f"动态口令连续错误 {_limit()} 次，该账号已暂停登录，请 {minutes(wait)} 分钟后重新登录。"
        "如手机丢失，请使用恢复码或联系安全管理员。"
    )


def _was_used(device: SealedTOTPDevice, code: str) -> bool:
    """Is ``code`` a right code of the current window that was already used (a replay)?"""
    import time

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return bool(totp.verify(int(code), device.tolerance, 0))


def _mark_verified(request: HttpRequest, device: Any) -> None:
    otp_login(request, device)
    # A new session key once both factors are passed (the pre-verification key is dropped).
    request.session.cycle_key()


def _log(request: HttpRequest, user: Any, status: str, message: str) -> None:
    from .signals import log_login

    log_login(request, username=user.get_username(), status=status, user=user, message=message)


# --- reset -------------------------------------------------------------------------------------


@transaction.atomic
def reset(*, actor: Any, user: Any) -> int:
    """Remove ``user``'s TOTP device and recovery codes: he must enrol again at the next request.

    An administrator's account (三员) is reset only by the duty set over it, as for a password
    reset; any other account by a holder of ``accounts.reset_second_factor`` within his scope.
    Returns the number of devices removed."""
    from .models import User
    from .services import _admin_target_check, _display, _is_system, _now_text, _tell_owner

    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and actor.pk == user.pk:
        raise BusinessError("不能重置本人的动态口令")
    if not _admin_target_check(actor, user, what="重置动态口令") and not _is_system(actor):
        if not actor.has_perm("accounts.reset_second_factor"):
            raise BusinessError("您没有重置动态口令的权限")
        assert_visible(User, actor, user.pk, "view")
    removed = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
    StaticDevice.objects.filter(user=user).delete()
    if not removed:
        raise BusinessError("该用户尚未绑定动态口令，无需重置")
    record_operation(
        actor=actor,
        module="账号安全",
        business_type=BusinessType.FORCE,
        action=f"重置用户“{user.username}”的动态口令（须重新绑定）",
        target=user,
    )
    _tell_owner(
        user,
        actor=actor,
        title="您的动态口令已被重置",
        body=f"{_display(actor)}于{_now_text()}重置了您的动态口令和恢复码，"
        "下次操作时须重新扫码绑定。",
    )
    return int(removed)
