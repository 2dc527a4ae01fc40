"""Login failures per client address (the per-account lockout is django-axes').

One address may fail ``JIANGQIAO_LOGIN_IP_FAILURE_LIMIT`` times in a window of
``JIANGQIAO_LOGIN_IP_WINDOW_MINUTES`` that starts at its first failure and is never extended; then
every login from it is refused until the window ends. The limit is well above the per-account one:
an office behind one NAT address is not locked out by a few colleagues' typing mistakes, while a
password sprayer trying many accounts from one address is stopped. The counters live in the shared
cache (Redis in production), so several web processes count together.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

PREFIX = "jiangqiao:login-ip:"


def _limit() -> int:
    return int(getattr(settings, "JIANGQIAO_LOGIN_IP_FAILURE_LIMIT", 30))


def _window() -> int:
    return max(1, int(getattr(settings, "JIANGQIAO_LOGIN_IP_WINDOW_MINUTES", 10))) * 60


def record_failure(ip: str | None) -> None:
    if not ip or _limit() <= 0:
        return
    key = PREFIX + ip
    # The window starts with the first failure and keeps its end: each write carries what is left.
    state = cache.get(key) or {"count": 0, "until": time.time() + _window()}
    state["count"] = int(state["count"]) + 1
    remaining = max(1, int(state["until"] - time.time()))
    cache.set(key, state, timeout=remaining)


def blocked_for(ip: str | None) -> int:
    """Seconds until ``ip`` may try again (0: not blocked)."""
    if not ip or _limit() <= 0:
        return 0
    state = cache.get(PREFIX + ip)
    if not state or int(state["count"]) < _limit():
        return 0
    return max(1, int(state["until"] - time.time()))


def reset(ip: str) -> None:
    cache.delete(PREFIX + ip)
