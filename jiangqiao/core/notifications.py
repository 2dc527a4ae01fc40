"""站内消息: tell people what happened to them or what waits for them.

``notify()`` writes one row per recipient inside the caller's transaction, so a rolled-back action
notifies nobody. After the commit a copy goes out through the channels each recipient chose
(``NotificationPreference``: e-mail, SMS, WeChat — ``core.channels``; with
``JIANGQIAO_NOTIFY_BY_EMAIL`` everyone with an address gets e-mail), never the one-time secret, and
every attempt is recorded. Each app calls it from its services.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .choices import NotificationLevel
from .exceptions import BusinessError
from .models import Notification

logger = logging.getLogger(__name__)


def _actor_name(actor: Any) -> str:
    if actor is None:
        return "系统"
    return str(getattr(actor, "display_name", "") or getattr(actor, "username", "") or actor)


def notify(
    recipients: Iterable[Any],
    *,
    title: str,
    body: str = "",
    link: str = "",
    level: str = NotificationLevel.INFO,
    actor: Any = None,
    secret: str = "",
    secret_key: str = "",
    secret_expires_at: datetime | None = None,
) -> list[Notification]:
    """Write a message to each distinct recipient (inactive accounts too: they read it later)."""
    seen: set[int] = set()
    rows: list[Notification] = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                level=level,
                title=title[:200],
                body=body,
                link=link[:500],
                actor_name=_actor_name(actor)[:150],
                secret=secret,
                secret_key=secret_key[:64],
                secret_expires_at=secret_expires_at,
            )
        )
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    plan = _delivery_plan(created)
    if plan:
        transaction.on_commit(lambda: deliver(plan))
    return created


def _delivery_plan(rows: list[Notification]) -> list[tuple[int, str, str, str, str]]:
    """(notification, channel, address, title, body) for each channel each recipient chose.

    E-mail goes to those who turned it on (or to everyone with an address when the deployment
    sets ``JIANGQIAO_NOTIFY_BY_EMAIL``); the one-time secret never leaves the inbox.
    """
    from .models import NotificationPreference

    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=[r.recipient_id for r in rows])
    }
    everyone_by_email = getattr(settings, "JIANGQIAO_NOTIFY_BY_EMAIL", False)
    plan = []
    for row in rows:
        pref = prefs.get(row.recipient_id)
        body = row.body if not row.secret else "（请登录平台查看）"
        email = row.recipient.email
        if email and (everyone_by_email or (pref is not None and pref.by_email)):
            plan.append((row.pk, "email", email, row.title, body))
        if pref is not None and pref.by_sms and pref.mobile:
            plan.append((row.pk, "sms", pref.mobile, row.title, body))
        if pref is not None and pref.by_wechat and pref.wechat_openid:
            plan.append((row.pk, "wechat", pref.wechat_openid, row.title, body))
    return plan


def deliver(plan: list[tuple[int, str, str, str, str]]) -> None:
    """Send through each channel and record every attempt (a failure never breaks the action)."""
    from .channels import channel
    from .models import NotificationDelivery

    for notification_id, code, address, title, body in plan:
        ok, detail = True, ""
        try:
            channel(code).send(user=None, address=address, title=title, body=body)
        except Exception as exc:  # a gateway or mail server being down is recorded, not raised
            logger.exception("消息经%s发送失败", code)
            ok, detail = False, f"{type(exc).__name__}: {exc}"[:200]
        try:
            NotificationDelivery.objects.create(
                notification_id=notification_id, channel=code, ok=ok, detail=detail
            )
        except Exception:
            logger.exception("消息发送记录写入失败")


def preference_for(*, user: Any) -> Any:
    from .models import NotificationPreference

    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


@transaction.atomic
def preference_update(
    *,
    actor: Any,
    by_email: bool,
    by_sms: bool,
    by_wechat: bool,
    mobile: str = "",
    wechat_openid: str = "",
) -> Any:
    """A person chooses his channels; each channel needs its address (checked, Chinese messages)."""
    from .identifiers import IdentifierError, normalize_mobile
    from .models import NotificationPreference
    from .operations import record_operation

    mobile = (mobile or "").strip()
    if by_sms or mobile:
        if not mobile:
            raise BusinessError("接收短信须填写手机号", field="mobile")
        try:
            mobile = normalize_mobile(mobile)
        except IdentifierError as exc:
            raise BusinessError(f"手机号：{exc}", field="mobile") from None
    openid = (wechat_openid or "").strip()
    if by_wechat and not openid:
        raise BusinessError(
            "接收微信消息须填写微信 OpenID（关注公众号后获得）", field="wechat_openid"
        )
    if len(openid) > 64 or (openid and not openid.replace("-", "").replace("_", "").isalnum()):
        raise BusinessError("微信 OpenID 格式不正确", field="wechat_openid")
    if by_email and not actor.email:
        raise BusinessError("您的账号没有电子邮箱，请联系系统管理员添加后再开启", field="by_email")
    pref, _ = NotificationPreference.objects.update_or_create(
        user=actor,
        defaults={
            "by_email": by_email,
            "by_sms": by_sms,
            "by_wechat": by_wechat,
            "mobile": mobile if by_sms else "",
            "wechat_openid": openid if by_wechat else "",
        },
    )
    record_operation(
        actor=actor,
        module="消息",
        business_type="update",
        action="修改消息接收设置",
        extra={"email": by_email, "sms": by_sms, "wechat": by_wechat},
    )
    return pref


def notification_list(*, user: Any) -> QuerySet[Notification]:
    """The user's own messages: a message is only ever visible to its recipient."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


#: The badge stops counting here ("99+"): a page never counts every unread message.
UNREAD_CAP = 99


def unread_count(*, user: Any) -> int:
    """Unread messages, up to ``UNREAD_CAP + 1`` (one indexed range read, no COUNT)."""
    rows = notification_list(user=user).filter(read_at__isnull=True).values_list("pk", flat=True)
    return len(rows[: UNREAD_CAP + 1])


def notification_mark_read(*, user: Any, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise BusinessError("只能处理本人的消息")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notification_mark_all_read(*, user: Any) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).update(read_at=timezone.now())


def clear_secrets(*, key: str) -> int:
    """Spend every one-time secret issued under ``key`` (e.g. once the password is changed)."""
    if not key:
        return 0
    return (
        Notification.objects.filter(secret_key=key)
        .exclude(secret="")
        .update(secret="", secret_expires_at=None)
    )
