"""Settings for bench/: production-like (DEBUG off) with a throwaway local key, on DATABASE_URL."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault(
    "JIANGQIAO_FIELD_ENCRYPTION_KEY", "YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMTI="
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .base import *  # noqa: F403

JIANGQIAO_ALLOW_DEMO = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# bench/ signs in with force_login (no login form, so no second factor): the gate stays off here.
JIANGQIAO_SECOND_FACTOR_ENFORCED = False
# bench/ measures throughput from one user: the API rate limits (core/api/throttles.py) would cap
# it at the production rate, so they are set out of reach here.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": "1000000/min",
    "user": "1000000/min",
    "write": "1000000/min",
}
