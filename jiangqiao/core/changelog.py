"""Automatic change logging for every model that inherits ``AuditedModel``.

Receivers snapshot the row before a save or delete (one primary-key read) and write a ``ChangeLog`` row
with the before/after JSON, the actor and request id from the audit context, and the owning org.
Snapshots leave out ``audit_exclude`` fields and mask ``audit_mask`` fields; long values are cut to
2,000 characters. ``bulk_create``/``queryset.update`` bypass signals: services that use them write
an operation-log row instead.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from . import context
from .textfields import RAW_INPUT_KEY, forget_originals, text_originals

MAX_VALUE_LENGTH = 2000
SKIP_FIELDS = {"updated_at", "updated_by", "password"}
MASK = "******"

_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "changelog_suppressed", default=False
)


@contextmanager
def suppressed() -> Iterator[None]:
    """Skip automatic logging inside the block; the caller writes the row itself with ``write``."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def is_audited(model: type[models.Model]) -> bool:
    return (
        bool(getattr(model, "audited", False))
        and not model._meta.abstract
        and not _suppressed.get()
    )


def _plain(value: Any) -> Any:
    if value is None or value.__class__ in _AS_IS:
        return value
    if isinstance(value, str):
        return value[:MAX_VALUE_LENGTH] + "…" if len(value) > MAX_VALUE_LENGTH else value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return MASK
    if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
        return value[:MAX_VALUE_LENGTH] + "…"
    return value


_AS_IS = frozenset({int, bool, float, list, dict})


@functools.cache
def _snapshot_fields(model: type[models.Model]) -> tuple[tuple[str, str, bool], ...]:
    """``(name, attname, masked)`` of the fields a snapshot holds (computed once per model)."""
    exclude = set(getattr(model, "audit_exclude", ())) | SKIP_FIELDS
    mask = set(getattr(model, "audit_mask", ()))
    return tuple(
        (field.name, field.attname, field.name in mask)
        for field in model._meta.concrete_fields
        if field.name not in exclude
    )


def snapshot(instance: models.Model, *, include_m2m: bool = True) -> dict[str, Any]:
    """JSON-safe dict of the instance's field values for the change log."""
    model = type(instance)
    exclude = set(getattr(model, "audit_exclude", ())) | SKIP_FIELDS
    data: dict[str, Any] = {}
    for name, attname, masked in _snapshot_fields(model):
        value = getattr(instance, attname)
        data[name] = MASK if (masked and value) else _plain(value)
    if include_m2m and instance.pk is not None:
        for field in model._meta.many_to_many:
            if field.name in exclude:
                continue
            data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


def _org_id(instance: models.Model) -> int | None:
    getter = getattr(instance, "audit_org_id", None)
    if callable(getter):
        return getter()  # type: ignore[no-any-return]
    return getattr(instance, "org_id", None)


def write(
    instance: models.Model,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    message: str = "",
) -> None:
    from .models import ChangeLog

    ctx = context.current()
    user = context.current_user()
    if user is None:
        # Services pass the actor explicitly and stamp it on the row; use it outside a request.
        user_id = getattr(instance, "updated_by_id", None) or getattr(
            instance, "created_by_id", None
        )
        if user_id is not None:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(pk=user_id).first()
    org_id = _org_id(instance)
    if action == "delete" and org_id == instance.pk and hasattr(instance, "parent_id"):
        # A deleted organisation cannot own its own log row; file it under the parent.
        org_id = instance.parent_id
    ChangeLog.objects.create(
        user=user,
        user_name=getattr(user, "username", "") if user else "",
        request_id=ctx.request_id if ctx else None,
        source=ctx.source if ctx else "system",
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        org_id=org_id,
        prechange_data=before,
        postchange_data=after,
        message=message[:500],
    )


def _pre_save(sender: type[models.Model], instance: models.Model, raw: bool, **kw: Any) -> None:
    if raw or not is_audited(sender):
        return
    instance._audit_before = None  # type: ignore[attr-defined]
    if instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).first()
        if old is not None:
            instance._audit_before = snapshot(old)  # type: ignore[attr-defined]


def _post_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kw: Any
) -> None:
    if raw or not is_audited(sender):
        return
    before = getattr(instance, "_audit_before", None)
    after = snapshot(instance)
    originals = text_originals(instance)
    forget_originals(instance)
    if not created and before == after:
        return
    from .choices import ChangeAction

    write(
        instance,
        ChangeAction.CREATE if created else ChangeAction.UPDATE,
        before=before,
        after=with_raw_input(instance, after, originals),
    )


def with_raw_input(
    instance: models.Model, after: dict[str, Any], originals: dict[str, str]
) -> dict[str, Any]:
    """``after`` plus the text as typed of the fields the text policy normalised
    (``core.textfields``), so the change log keeps the original next to the stored form."""
    mask = set(getattr(type(instance), "audit_mask", ()))
    raw = {k: _plain(v) for k, v in originals.items() if k in after and k not in mask}
    return {**after, RAW_INPUT_KEY: raw} if raw else after


def _pre_delete(sender: type[models.Model], instance: models.Model, **kw: Any) -> None:
    if is_audited(sender):
        instance._audit_before = snapshot(instance)  # type: ignore[attr-defined]


def _post_delete(sender: type[models.Model], instance: models.Model, **kw: Any) -> None:
    if not is_audited(sender):
        return
    from .choices import ChangeAction

    write(
        instance, ChangeAction.DELETE, before=getattr(instance, "_audit_before", None), after=None
    )


def _m2m_changed(
    sender: Any, instance: models.Model, action: str, reverse: bool, model: Any, **kw: Any
) -> None:
    if reverse or not is_audited(type(instance)):
        return
    if action.startswith("pre_"):
        instance._audit_m2m_before = snapshot(instance)  # type: ignore[attr-defined]
        return
    before = getattr(instance, "_audit_m2m_before", None)
    after = snapshot(instance)
    if before == after:
        return
    from .choices import ChangeAction

    write(instance, ChangeAction.UPDATE, before=before, after=after, message="关联关系变更")


def connect_signals() -> None:
    pre_save.connect(_pre_save, dispatch_uid="jiangqiao_changelog_pre_save")
    post_save.connect(_post_save, dispatch_uid="jiangqiao_changelog_post_save")
    pre_delete.connect(_pre_delete, dispatch_uid="jiangqiao_changelog_pre_delete")
    post_delete.connect(_post_delete, dispatch_uid="jiangqiao_changelog_post_delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="jiangqiao_changelog_m2m")


def bulk_write(
    entries: list[tuple[models.Model, dict[str, Any] | None]],
    action: str,
    *,
    actor: Any = None,
    org_of: Any = None,
    message: str = "",
    batch_size: int = 1000,
) -> None:
    """Change-log rows for objects written with ``bulk_create``/``bulk_update`` (imports).

    ``entries`` pairs each saved instance with its snapshot before the change (``None`` for a
    create). ``org_of(instance)`` gives the owning org id where it is not ``instance.org_id``.
    """
    from .models import ChangeLog

    if not entries:
        return
    ctx = context.current()
    user = context.current_user() or actor
    content_types: dict[type[models.Model], ContentType] = {}
    rows: list[dict[str, Any]] = []
    for instance, before in entries:
        model = type(instance)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model)
        after = snapshot(instance, include_m2m=False)
        originals = text_originals(instance)
        forget_originals(instance)
        if before is not None and before == after:
            continue
        after = with_raw_input(instance, after, originals)
        rows.append(
            {
                "user_id": getattr(user, "pk", None),
                "user_name": getattr(user, "username", "") if user else "",
                "request_id": ctx.request_id if ctx else None,
                "source": ctx.source if ctx else "import",
                "action": action,
                "content_type_id": content_types[model].pk,
                "object_id": str(instance.pk),
                "object_repr": str(instance)[:200],
                "org_id": org_of(instance) if org_of else getattr(instance, "org_id", None),
                "prechange_data": before,
                "postchange_data": after,
                "message": message[:500],
            }
        )
    if not rows:
        return
    from django.db import router

    from .auditchain import mac_rows, seal_after_commit
    from .bulk import insert_rows

    mac_rows(ChangeLog, rows)
    insert_rows(ChangeLog, rows, batch_size=batch_size)
    seal_after_commit(ChangeLog.chain_name, router.db_for_write(ChangeLog))
