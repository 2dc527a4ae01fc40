"""Optimistic locking: a ``version`` column bumped by a conditional UPDATE.

A form or API client sends back the version it read; the service saves only if the row still has
that version, otherwise it raises ``BusinessError`` ("changed by someone else, reload") and nothing
is written.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F

from .exceptions import BusinessError

STALE_MESSAGE = "该记录已被他人修改，请刷新页面后重新编辑（您的修改尚未保存）"
VERSION_MAX = 2**31 - 1
MISSING_VERSION_MESSAGE = (
    "缺少版本号 version：修改前请先读取记录，并在请求体的 version 字段或 If-Match 请求头中"
    "回传读取到的版本号（以免覆盖他人的修改）"
)
BAD_IF_MATCH_MESSAGE = 'If-Match 请求头应为读取到的版本号（version 字段的值），如 "3"'
BAD_VERSION_MESSAGE = "版本号 version 应为读取记录时得到的整数"


class VersionedModel(models.Model):
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        abstract = True


def claim_version(instance: VersionedModel, expected: int | None) -> None:
    """Bump the row's version if it is still ``expected``; call first in the update service.

    ``expected=None`` (a caller that did not read the row, e.g. a system job) skips the check.
    """
    model = type(instance)
    if expected is None:
        expected = instance.version
    updated = model._default_manager.filter(pk=instance.pk, version=expected).update(
        version=F("version") + 1
    )
    if updated != 1:
        raise BusinessError(STALE_MESSAGE, field="version", code="stale")
    instance.version = expected + 1


def version_from(data: Any) -> int | None:
    """Parse the version a client sent (form or JSON); a malformed one counts as stale."""
    raw = data.get("version") if hasattr(data, "get") else None
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BusinessError(STALE_MESSAGE, field="version", code="stale") from None


def _parse_if_match(raw: str) -> int | None:
    """``"3"`` or ``3`` → 3; anything else (``*``, a list, a weak tag, text) → None."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if number <= VERSION_MAX else None


def required_version(data: Any, if_match: str | None) -> int:
    """The version an API update read: the body's ``version``, else the ``If-Match`` header.

    Both are accepted; if both are sent the body wins. Missing or malformed → ``BusinessError`` on
    the field ``version`` (HTTP 400); staleness is decided afterwards by ``claim_version`` (409).
    """
    raw = data.get("version") if hasattr(data, "get") else None
    if raw not in (None, ""):
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise BusinessError(BAD_VERSION_MESSAGE, field="version")
        try:
            number = int(raw)
        except (TypeError, ValueError, OverflowError):
            raise BusinessError(BAD_VERSION_MESSAGE, field="version") from None
        if not 0 <= number <= VERSION_MAX:
            raise BusinessError(BAD_VERSION_MESSAGE, field="version")
        return number
    if if_match is not None:
        parsed = _parse_if_match(if_match)
        if parsed is None:
            raise BusinessError(BAD_IF_MATCH_MESSAGE, field="version")
        return parsed
    raise BusinessError(MISSING_VERSION_MESSAGE, field="version", code="required")
