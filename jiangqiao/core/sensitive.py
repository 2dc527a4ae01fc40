"""Masking of personal identifiers and the audit of every unmasked view (PIPL, 等保 个人信息保护)."""

from __future__ import annotations

from typing import Any

from django.db import models

from .choices import BusinessType
from .exceptions import BusinessError
from .identifiers import mask_id_number, mask_mobile
from .operations import record_operation

MASKERS = {"id_number": mask_id_number, "mobile": mask_mobile}
FIELD_LABELS = {"id_number": "身份证号", "mobile": "手机号"}


def sensitive_permission(model: type[models.Model] | models.Model) -> str:
    meta = model._meta
    return f"{meta.app_label}.view_sensitive_{meta.model_name}"


def can_view_sensitive(user: Any, model: type[models.Model] | models.Model) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.has_perm(sensitive_permission(model))
    )


def mask(kind: str, value: str | None) -> str:
    if not value:
        return ""
    return MASKERS[kind](value)


#: What a stated purpose must look like: a few words, not a single character, not an essay.
PURPOSE_MIN, PURPOSE_MAX = 2, 200


def clean_purpose(value: Any, *, field: str = "purpose", what: str = "查看明文") -> str:
    """The purpose a person states for a sensitive read or a bulk export (PIPL: 目的明确)."""
    from jiangqiao.text import normalize

    text = normalize(str(value or "")).strip()
    if len(text) < PURPOSE_MIN:
        raise BusinessError(f"用途：请说明{what}的用途（如“核实身份”“安排服务”）", field=field)
    if len(text) > PURPOSE_MAX:
        raise BusinessError(f"用途：不能超过 {PURPOSE_MAX} 个字符", field=field)
    return text


def reveal(
    *, actor: Any, obj: models.Model, fields: dict[str, str | None], purpose: str
) -> dict[str, str]:
    """Return the plaintext of ``fields`` for a permitted actor and log the view; masked otherwise.

    ``fields`` maps a field name to its value; the field name picks the masker
    (``id_number`` / ``mobile``; anything else is masked to its first character). A permitted
    actor must state a ``purpose`` (recorded with the view); without one nothing is shown.
    """
    if not can_view_sensitive(actor, obj):
        return {name: _mask_any(name, value) for name, value in fields.items()}
    purpose = clean_purpose(purpose)
    record_operation(
        actor=actor,
        module=str(obj._meta.verbose_name),
        business_type=BusinessType.VIEW_SENSITIVE,
        action=f"查看“{obj}”的{'、'.join(FIELD_LABELS.get(f, f) for f in fields)}明文",
        target=obj,
        extra={"fields": sorted(fields), "purpose": purpose},
    )
    return {name: value or "" for name, value in fields.items()}


def _mask_any(name: str, value: str | None) -> str:
    if not value:
        return ""
    for key, masker in MASKERS.items():
        if key in name:
            return masker(value)
    return value[:1] + "*" * max(0, len(value) - 1)
