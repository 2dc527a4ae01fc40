"""One-time SMS codes: prove that a person holds a mobile number (企业自助注册, 代录确认).

``code_send`` makes a six-digit code, keeps only its keyed hash and sends it through the SMS
provider interface (``core.channels``; the shipped backend only logs). ``code_verify`` checks a
typed code and ``code_consume`` uses it up inside the caller's transaction. The rules:

* a code lives ``code_ttl`` (10 minutes) and confirms only its ``purpose`` and ``subject``;
* ``max_attempts`` (5) wrong entries pause that purpose and mobile for ``pause`` (15 minutes):
  no code is checked or sent for it until then, and the message says how long;
* a new code for the same mobile waits ``resend_interval`` (60 seconds) and replaces the earlier
  one; at most ``mobile_hourly_cap`` codes per mobile and ``client_hourly_cap`` per client
  address are sent in an hour.

The figures in brackets are the defaults; a deployment sets them with the ``JIANGQIAO_SMS_CODE_*``
settings (``limits()``, deploy/jiangqiao.env.example);
* a used code never confirms again (a conditional update: of two submissions of the same code
  exactly one wins).

A wrong entry is counted in its own transaction (``code_verify`` is called outside the caller's
atomic block), so the caller rolling back its work does not give the attempt back.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from jiangqiao.core.crypto import blind_index
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.identifiers import IdentifierError, mask_mobile, normalize_mobile

from .choices import CodePurpose
from .models import PhoneCode


@dataclass(frozen=True)
class CodeLimits:
    code_ttl: timedelta
    max_attempts: int
    pause: timedelta
    resend_interval: timedelta
    mobile_hourly_cap: int
    client_hourly_cap: int


def limits() -> CodeLimits:
    """The one-time code rules of this deployment (settings ``JIANGQIAO_SMS_CODE_*``)."""
    return CodeLimits(
        code_ttl=timedelta(minutes=settings.JIANGQIAO_SMS_CODE_TTL_MINUTES),
        max_attempts=settings.JIANGQIAO_SMS_CODE_MAX_ATTEMPTS,
        pause=timedelta(minutes=settings.JIANGQIAO_SMS_CODE_PAUSE_MINUTES),
        resend_interval=timedelta(seconds=settings.JIANGQIAO_SMS_CODE_RESEND_SECONDS),
        mobile_hourly_cap=settings.JIANGQIAO_SMS_CODE_MOBILE_HOURLY,
        client_hourly_cap=settings.JIANGQIAO_SMS_CODE_CLIENT_HOURLY,
    )


#: Rows older than this are deleted when a new code is sent (they confirm nothing any more).
KEEP = timedelta(days=1)
CODE_LABEL = "验证码"
MOBILE_LABEL = "手机号码"

#: The SMS text per purpose (``{code}`` and ``{minutes}`` filled in).
TEXTS = {
    CodePurpose.REGISTRATION: "验证码{code}，用于企业自助注册，{minutes}分钟内有效，请勿告诉他人",
    CodePurpose.ASSISTED_CONFIRM: (
        "验证码{code}，用于确认工会工作人员为您代录的需求，{minutes}分钟内有效；"
        "如您未在场，请勿告诉他人"
    ),
}


def clean_mobile_input(raw: str, *, label: str = MOBILE_LABEL, field: str = "mobile") -> str:
    """A mobile number as typed → canonical form, or ``BusinessError`` naming the field."""
    if not (raw or "").strip():
        raise BusinessError(f"{label}：不能为空", field=field)
    try:
        return normalize_mobile(raw)
    except IdentifierError as exc:
        raise BusinessError(exc.with_label(label), field=field) from exc


def _hash(code: str, salt: str) -> str:
    return salted_hmac("jiangqiao.accounts.phone-code", f"{salt}:{code}").hexdigest()


def _minutes(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds() / 60))


def _paused(purpose: str, index: str, now: Any) -> PhoneCode | None:
    return (
        PhoneCode.objects.filter(purpose=purpose, mobile_index=index, paused_until__gt=now)
        .order_by("-paused_until")
        .first()
    )


def pause_message(until: Any, now: Any = None) -> str:
    now = now or timezone.now()
    return (
        f"{CODE_LABEL}：输错次数过多，已暂停验证，请 {_minutes(until - now)} 分钟后重新获取验证码"
    )


@transaction.atomic
def code_send(
    *,
    purpose: str,
    mobile: str,
    subject: str = "",
    client: str | None = None,
    actor: Any = None,
) -> PhoneCode:
    """Send a new code for ``purpose`` to ``mobile`` (and ``subject``); returns its row.

    The code itself is only in the SMS. ``client`` is the requesting address (hourly cap).
    """
    if purpose not in CodePurpose.values:
        raise BusinessError(f"{CODE_LABEL}：用途不正确", field="code")
    mobile = clean_mobile_input(mobile)
    index = blind_index(mobile, purpose="mobile")
    now = timezone.now()
    PhoneCode.objects.filter(created_at__lt=now - KEEP).delete()
    paused = _paused(purpose, index, now)
    if paused is not None:
        raise BusinessError(pause_message(paused.paused_until, now), field="code")
    last = (
        PhoneCode.objects.filter(purpose=purpose, mobile_index=index)
        .order_by("-created_at")
        .first()
    )
    rules = limits()
    if last is not None and last.created_at > now - rules.resend_interval:
        wait = math.ceil((last.created_at + rules.resend_interval - now).total_seconds())
        raise BusinessError(
            f"{CODE_LABEL}：发送过于频繁，请 {max(1, wait)} 秒后再获取", field="code"
        )
    hour_ago = now - timedelta(hours=1)
    if PhoneCode.objects.filter(mobile_index=index, created_at__gte=hour_ago).count() >= (
        rules.mobile_hourly_cap
    ):
        raise BusinessError(
            f"{MOBILE_LABEL}：该号码一小时内获取验证码次数已达 {rules.mobile_hourly_cap} 次，请稍后再试",
            field="mobile",
        )
    client_index = blind_index(client or "", purpose="client-ip")
    if (
        client_index
        and PhoneCode.objects.filter(client_index=client_index, created_at__gte=hour_ago).count()
        >= rules.client_hourly_cap
    ):
        raise BusinessError(
            f"{CODE_LABEL}：当前网络一小时内获取验证码次数过多，请稍后再试", field="code"
        )
    # The earlier codes of this purpose and subject stop working: only the newest one counts.
    PhoneCode.objects.filter(
        purpose=purpose, mobile_index=index, subject=subject, used_at__isnull=True
    ).update(expires_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    salt = secrets.token_hex(8)
    row = PhoneCode.objects.create(
        purpose=purpose,
        subject=subject,
        mobile=mobile,
        mobile_index=index,
        client_index=client_index,
        salt=salt,
        code_hash=_hash(code, salt),
        expires_at=now + rules.code_ttl,
        sent_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    text = TEXTS[CodePurpose(purpose)].format(code=code, minutes=_minutes(rules.code_ttl))
    transaction.on_commit(lambda: _deliver(mobile, text))
    return row


def _deliver(mobile: str, text: str) -> None:
    from jiangqiao.core.channels import channel

    channel("sms").send(user=None, address=mobile, title=text, body="")


def sent_message(mobile: str) -> str:
    return f"验证码已发送至 {mask_mobile(mobile)}，{_minutes(limits().code_ttl)} 分钟内有效"


def code_verify(*, purpose: str, mobile: str, code: str, subject: str = "") -> PhoneCode:
    """Check ``code`` against the newest code sent for ``purpose``/``mobile``/``subject``.

    Returns the row (not yet used: ``code_consume`` uses it in the caller's transaction). A wrong
    code is counted and committed at once; the fifth pauses the mobile for this purpose.
    """
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    if not code:
        raise BusinessError(f"{CODE_LABEL}：不能为空", field="code")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        raise BusinessError(f"{CODE_LABEL}：应为短信中的 6 位数字", field="code")
    mobile = clean_mobile_input(mobile)
    index = blind_index(mobile, purpose="mobile")
    with transaction.atomic():
        now = timezone.now()
        paused = _paused(purpose, index, now)
        if paused is not None:
            raise BusinessError(pause_message(paused.paused_until, now), field="code")
        row = (
            PhoneCode.objects.select_for_update()
            .filter(purpose=purpose, mobile_index=index, subject=subject)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None:
            raise BusinessError(f"{CODE_LABEL}：请先获取验证码", field="code")
        if row.used_at is not None:
            raise BusinessError(f"{CODE_LABEL}：已使用，请重新获取", field="code")
        if row.expires_at <= now:
            raise BusinessError(f"{CODE_LABEL}：已过期，请重新获取", field="code")
        if constant_time_compare(row.code_hash, _hash(code, row.salt)):
            return row
        row.attempts += 1
        fields = ["attempts"]
        rules = limits()
        if row.attempts >= rules.max_attempts:
            row.paused_until = now + rules.pause
            row.expires_at = now
            fields += ["paused_until", "expires_at"]
        row.save(update_fields=fields)
    if row.paused_until is not None:
        raise BusinessError(pause_message(row.paused_until, now), field="code")
    left = rules.max_attempts - row.attempts
    raise BusinessError(f"{CODE_LABEL}：不正确，还可再试 {left} 次", field="code")


def code_consume(row: PhoneCode) -> None:
    """Use ``row`` up (inside the caller's transaction). A second use of the same code loses."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("code_consume() must run inside the transaction that uses the code")
    done = PhoneCode.objects.filter(
        pk=row.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not done:
        raise BusinessError(f"{CODE_LABEL}：已使用或已过期，请重新获取", field="code")
