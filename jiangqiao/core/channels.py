"""Delivery channels of a notification besides the in-app inbox: e-mail, SMS, WeChat.

A channel is a class with ``code``, ``label`` and ``send(*, user, address, title, body)`` that
raises on failure. E-mail uses Django's e-mail backend (``DJANGO_EMAIL_URL``). SMS and WeChat go
through a provider interface chosen in settings (``JIANGQIAO_SMS_BACKEND``,
``JIANGQIAO_WECHAT_BACKEND``); the shipped implementations only log (intranets have no
internet): a deployment plugs in its provider's gateway with the same ``send`` signature.
Every attempt is recorded as a ``NotificationDelivery`` row (sent / failed), whatever the channel.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from .identifiers import mask_mobile

logger = logging.getLogger("jiangqiao.notify")


class Channel(Protocol):
    code: str
    label: str

    def send(self, *, user: Any, address: str, title: str, body: str) -> None: ...


class EmailChannel:
    code = "email"
    label = "电子邮件"

    def send(self, *, user: Any, address: str, title: str, body: str) -> None:
        send_mail(f"【匠桥】{title}", body or title, None, [address], fail_silently=False)


class LoggingSmsBackend:
    """短信 provider interface, logging only: what a gateway would send, with the number masked."""

    code = "sms"
    label = "短信"

    def send(self, *, user: Any, address: str, title: str, body: str) -> None:
        text = f"【匠桥】{title}"[:70]  # one SMS segment
        logger.info("短信（未接入网关，仅记录）→ %s：%s", mask_mobile(address), text)


class LoggingWeChatBackend:
    """微信 template-message interface, logging only."""

    code = "wechat"
    label = "微信"

    def send(self, *, user: Any, address: str, title: str, body: str) -> None:
        logger.info("微信（未接入，仅记录）→ %s…：%s", address[:6], title)


def channel(code: str) -> Channel:
    if code == "email":
        return EmailChannel()
    if code == "sms":
        return import_string(settings.JIANGQIAO_SMS_BACKEND)()  # type: ignore[no-any-return]
    if code == "wechat":
        return import_string(settings.JIANGQIAO_WECHAT_BACKEND)()  # type: ignore[no-any-return]
    raise KeyError(code)


CHANNEL_LABELS = {"email": "电子邮件", "sms": "短信", "wechat": "微信"}
