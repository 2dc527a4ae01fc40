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
