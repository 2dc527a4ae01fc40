"""站内消息: tell people what happened to them or what waits for them.

``notify()`` writes one row per recipient inside the caller's transaction, so a rolled-back action
notifies nobody; with ``JIANGQIAO_NOTIFY_BY_EMAIL`` an e-mail copy goes out after the commit to
recipients who have an address (never the one-time secret). Each app calls it from its services.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
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
    if getattr(settings, "JIANGQIAO_NOTIFY_BY_EMAIL", False):
        addresses = [
            (row.recipient.email, row.title, row.body) for row in rows if row.recipient.email
        ]
        if addresses:
            transaction.on_commit(lambda: _send_emails(addresses))
    return created


def _send_emails(messages: list[tuple[str, str, str]]) -> None:
    for address, title, body in messages:
        try:
            send_mail(
                f"【匠桥】{title}",
                body or title,
                None,
                [address],
                fail_silently=False,
            )
        except Exception:  # a mail server being down must not break the action that notified
            logger.exception("站内消息的邮件副本发送失败")


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
