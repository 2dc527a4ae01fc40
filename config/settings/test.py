"""Test settings: fast hashing, immediate tasks, no lockout unless a test turns it on."""

from __future__ import annotations

import atexit
import os
import shutil

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault(
    "JIANGQIAO_FIELD_ENCRYPTION_KEY", "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMTIzNDU="
)
os.environ.setdefault("JIANGQIAO_TASK_BACKEND", "immediate")
os.environ.setdefault("JIANGQIAO_EXCHANGE_HASH_KEY", "test-exchange-key-shared-by-instances")
os.environ.setdefault("JIANGQIAO_AUDIT_CHAIN_KEY", "test-audit-chain-key")
# The matching tests exercise the plumbing, not the sentence model: a hashed bag of bigrams.
os.environ.setdefault("JIANGQIAO_MATCH_ENCODER", "hash")

from .base import *  # noqa: F403
from .base import BASE_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = False
# force_login skips the login form and so both factors: tests log users in without a TOTP device.
# The second-factor tests (accounts/tests/test_second_factor.py) turn the gate on.
JIANGQIAO_SECOND_FACTOR_ENFORCED = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Files written by tests; CI's PostgreSQL pass, running beside the SQLite one, uses its own place.
_TEST_VAR = BASE_DIR / os.environ.get("JIANGQIAO_TEST_VAR_DIR", "var")
MEDIA_ROOT = _TEST_VAR / "test-media"
JIANGQIAO_PRIVATE_ROOT = _TEST_VAR / "test-private"
# The shared matching index: one directory per test process, refreshed by the reader itself.
JIANGQIAO_MATCH_INDEX_DIR = _TEST_VAR / f"test-match-index-{os.getpid()}"
JIANGQIAO_MATCH_INDEX_INLINE = True
JIANGQIAO_MATCH_INDEX_CHECK_SECONDS = 0.0
JIANGQIAO_MATCH_INDEX_FSYNC = False
atexit.register(shutil.rmtree, JIANGQIAO_MATCH_INDEX_DIR, ignore_errors=True)
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# API rates high enough for the API fuzz and the API tests (thousands of requests a minute from one
# user); core/tests/test_security_headers.py proves the throttles with low rates.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": "100000/min",
    "user": "100000/min",
    "write": "100000/min",
}
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
