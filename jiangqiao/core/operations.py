"""Explicit operation-log writer for business actions (import, export, confirm, grant, ...)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import context
from .choices import BusinessType, OperationStatus

SENSITIVE_KEYS = {
    "password",
    "old_password",
    "new_password",
    "new_password1",
    "new_password2",
    "password1",
    "password2",
    "token",
    "csrfmiddlewaretoken",
    "id_number",
    "mobile",
    "phone",
}


_batched: contextvars.ContextVar[bool] = contextvars.ContextVar("operations_batched", default=False)
#: Per-record business types that a bulk import summarises in its one IMPORT row.
BATCHED_TYPES = {"insert", "update", "submit"}


@contextmanager
def batched() -> Iterator[None]:
    """Inside an import: per-record insert/update/submit rows are folded into the import's row
    (the change log still has one row per record, under the same request id)."""
    token = _batched.set(True)
    try:
        yield
    finally:
        _batched.reset(token)


def clean_params(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop secrets and personal identifiers and cut long values (RuoYi EXCLUDE_PROPERTIES)."""
    if params is None:
        return None
    cleaned: dict[str, Any] = {}
    for key, value in params.items():
        if key.lower() in SENSITIVE_KEYS:
            cleaned[key] = "******"
        elif isinstance(value, str) and len(value) > 2000:
            cleaned[key] = value[:2000] + "…"
        else:
            cleaned[key] = value
    return cleaned


def record_operation(
    *,
    actor: Any,
    module: str,
    business_type: BusinessType | str,
    action: str,
    target: models.Model | None = None,
    org_id: int | None = None,
    status: OperationStatus | str = OperationStatus.SUCCESS,
    error: str = "",
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    cost_ms: int | None = None,
) -> Any:
    """Write one ``OperationLog`` row. Call it inside the service's transaction."""
    from .models import OperationLog

    if _batched.get() and str(business_type) in BATCHED_TYPES:
        return None
    ctx = context.current()
    if org_id is None:
        if target is not None:
            getter = getattr(target, "audit_org_id", None)
            org_id = getter() if callable(getter) else getattr(target, "org_id", None)
        if org_id is None and actor is not None:
            org_id = getattr(actor, "org_id", None)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return OperationLog.objects.create(
        module=module,
        business_type=str(business_type),
        action=action[:200],
        user=actor_obj,
        user_name=getattr(actor_obj, "username", "") if actor_obj else "",
        org_id=org_id,
        method=ctx.method if ctx else "",
        path=ctx.path if ctx else "",
        ip=ctx.ip if ctx else None,
        user_agent=ctx.user_agent if ctx else "",
        request_id=ctx.request_id if ctx else None,
        params=clean_params(params),
        status=str(status),
        error=error[:2000],
        cost_ms=cost_ms,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        extra=extra,
    )
