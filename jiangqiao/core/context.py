"""The current actor and request, held in a context variable for audit writers.

The middleware opens a context per request; management commands and background jobs open one with
``audit_context(user=..., source=...)`` so their writes are attributed too.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass
class AuditContext:
    explicit_user: Any = None
    request: Any = None
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    ip: str | None = None
    user_agent: str = ""
    method: str = ""
    path: str = ""
    source: str = "web"

    @property
    def user(self) -> Any:
        """The acting user; for requests read late, since DRF authenticates inside the view."""
        if self.explicit_user is not None:
            return self.explicit_user
        return getattr(self.request, "user", None)


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "jiangqiao_audit_context", default=None
)


def current() -> AuditContext | None:
    return _current.get()


def current_user() -> Any:
    ctx = _current.get()
    if ctx is None or ctx.user is None or not getattr(ctx.user, "is_authenticated", False):
        return None
    return ctx.user


@contextmanager
def audit_context(
    *, user: Any = None, source: str = "command", **kwargs: Any
) -> Iterator[AuditContext]:
    ctx = AuditContext(explicit_user=user, source=source, **kwargs)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """The client address. ``X-Forwarded-For`` is trusted only behind a configured proxy, and
    only its last entry: the address our proxy saw (earlier entries are whatever the client sent,
    when a proxy appends with ``$proxy_add_x_forwarded_for``; deploy/nginx replaces the header)."""
    from django.conf import settings

    if getattr(settings, "JIANGQIAO_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def request_source(request: HttpRequest) -> str:
    """``api`` for the REST API (``/api/…``), ``web`` for pages (``ChangeLog.source``)."""
    return "api" if (request.path or "").startswith("/api/") else "web"


def incoming_request_id(request: HttpRequest) -> uuid.UUID:
    """The proxy's ``X-Request-ID`` (a UUID or 32 hex digits, e.g. nginx's ``$request_id``) when
    behind a trusted proxy (``JIANGQIAO_TRUST_X_FORWARDED_FOR``); otherwise a new one."""
    from django.conf import settings

    if getattr(settings, "JIANGQIAO_TRUST_X_FORWARDED_FOR", False):
        given = request.META.get("HTTP_X_REQUEST_ID", "").strip()
        if given:
            try:
                return uuid.UUID(given[:64])
            except ValueError:
                pass
    return uuid.uuid4()


def context_from_request(request: HttpRequest) -> AuditContext:
    return AuditContext(
        request=request,
        request_id=incoming_request_id(request),
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
        method=request.method or "",
        path=request.path[:500],
        source=request_source(request),
    )
