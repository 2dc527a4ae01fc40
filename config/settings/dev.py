"""Settings for `make run`: the demo on SQLite, a generated local secret.

DEBUG is off, so the demo shows the platform's own Chinese 400/403/404/500 pages rather than
Django's English debug pages; whitenoise serves the static files straight from their sources
(no collectstatic) and cookies work over plain http on 127.0.0.1. For Django's debug pages while
developing, run with ``DJANGO_DEBUG=True``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

_var = Path(__file__).resolve().parent.parent.parent / "var"
_var.mkdir(exist_ok=True)


def _local_secret(name: str, nbytes: int) -> str:
    """A secret generated once per checkout and kept in var/ (never committed)."""
    path = _var / name
    if not path.exists():
        import base64

        path.write_text(base64.b64encode(secrets.token_bytes(nbytes)).decode(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


os.environ.setdefault("DJANGO_DEBUG", "False")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "False")
os.environ.setdefault("DJANGO_SECRET_KEY", _local_secret("secret_key", 48))
os.environ.setdefault("JIANGQIAO_FIELD_ENCRYPTION_KEY", _local_secret("field_key", 32))
os.environ.setdefault("JIANGQIAO_EXCHANGE_HASH_KEY", _local_secret("exchange_key", 32))
os.environ.setdefault("JIANGQIAO_AUDIT_CHAIN_KEY", _local_secret("audit_chain_key", 32))

from .base import *  # noqa: E402, F403

# The demo data and accounts may be generated here (they refuse elsewhere unless DEBUG is on).
JIANGQIAO_ALLOW_DEMO = True
# Static files from STATICFILES_DIRS and the apps, re-read when they change (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
