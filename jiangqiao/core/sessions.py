"""Sessions with an idle timeout that do not write on every request (issue 12, item 7).

``SESSION_SAVE_EVERY_REQUEST`` made every page view an UPDATE of ``django_session``: on SQLite,
one more writer queueing for the single write lock, and when a long import held it past the busy
timeout, Django's session middleware turned the "database is locked" into HTTP 400
(``SessionInterrupted``). Now:

* ``SessionMiddleware`` refreshes the session (and so its ``expire_date``, now +
  ``SESSION_COOKIE_AGE``) only when ``SESSION_REFRESH_SECONDS`` (60) have passed since the last
  write. The idle timeout stays ``SESSION_COOKIE_AGE`` (30 minutes) within a minute.
* ``SessionStore`` (``SESSION_ENGINE``) retries a write that met a busy (or unreachable:
  PostgreSQL restarting) database a few times.
* A refresh that still meets a busy database is skipped (the next request refreshes); a real
  change of the session (login, logout) that does answers 503 "系统繁忙，请稍后重试".
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

#: Session key holding the time (Unix seconds) of the session's last write.
REFRESHED = "_jq_refreshed"
ATTEMPTS = 3


class SessionBusy(Exception):
    """The session could not be written: the database stayed locked."""


def _busy(exc: BaseException | None) -> bool:
    """Locked (SQLite, a lock timeout) or out of reach (PostgreSQL restarting): both pass."""
    from .jobs import is_transient_db_error, is_unavailable_db_error

    return exc is not None and (is_transient_db_error(exc) or is_unavailable_db_error(exc))


class SessionStore(DbSessionStore):
    """The database session store whose writes retry a busy database."""

    def save(self, must_create: bool = False) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                super().save(must_create=must_create)
                return
            except UpdateError as exc:
                # Django hides the database error of an update behind UpdateError.
                cause = exc.__context__
                if not _busy(cause):
                    raise
                if attempt == ATTEMPTS:
                    raise SessionBusy from cause
            except DatabaseError as exc:
                if not _busy(exc):
                    raise
                if attempt == ATTEMPTS:
                    raise SessionBusy from exc
            time.sleep(0.05 * attempt)


def refresh_seconds() -> int:
    return int(getattr(settings, "SESSION_REFRESH_SECONDS", 60))


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, writing an unchanged session at most once a minute."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session: Any = getattr(request, "session", None)
        refresh_only = False
        if (
            session is not None
            and session.accessed
            and not session.modified
            and session.session_key
            and not session.is_empty()
        ):
            now = int(time.time())
            last = session.get(REFRESHED)
            if not isinstance(last, int) or now - last >= refresh_seconds() or now < last:
                session[REFRESHED] = now  # marks it modified: saved below, expiry moved on
                refresh_only = True
        elif session is not None and session.modified and not session.is_empty():
            session[REFRESHED] = int(time.time())
        try:
            return super().process_response(request, response)  # type: ignore[no-any-return]
        except SessionBusy:
            if refresh_only:
                # Only the expiry would have moved on: the next request will do it.
                patch_vary_headers(response, ("Cookie",))
                return response
            from .views.errors import busy_response

            return busy_response(request)
