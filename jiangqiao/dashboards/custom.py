"""Writes of the custom indicators (``CustomIndicator``, docs/dashboards.md 「自定义指标」).

A custom indicator is one registered indicator restricted to one key of one of its breakdowns
(「专精特新企业服务数」 = 服务企业数 whose enterprise is of the tier 专精特新中小企业), defined by a
unit's staff without code. Its figures are the rollup rows of that breakdown key; its targets are
``Target`` rows with the code ``c<id>``, set and split by ``services`` like every indicator's.

Who defines one: a holder of ``dashboards.set_target`` at the unit — his own unit or a unit below
it in his data scope (``targets.may_split``: the unit whose targets he splits). Every function is
atomic and audited: the change log follows each ``save()`` (``core.changelog``) and each call
writes one operation-log row (module 自定义指标). Messages name the field, never another unit.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jiangqiao.core.choices import BusinessType
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import subtree_q
from jiangqiao.orgs.models import Organization
from jiangqiao.text import normalize

from . import indicators
from .choices import CustomStatus, Dimension
from .models import CustomIndicator, Target
from .targets import SET_PERMISSION, may_split

MODULE = "自定义指标"
LABEL_MAX = 40
DESCRIPTION_MAX = 300
FIELDS = ("label", "base", "dimension", "key", "description")

NO_PERMISSION = "您没有定义自定义指标的权限"
NOT_VISIBLE = "该单位不存在，或不在您的数据范围内"
NOT_OWN = "只能为本单位或本单位的下级单位定义自定义指标"
NOT_FOUND = "该自定义指标不存在，或不在您的数据范围内"


def _text(value: Any) -> str:
    return normalize(None if value is None else str(value))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def may_define(user: Any, org: Organization) -> bool:
    """May the user define (and change) custom indicators of ``org``? The same units whose
    targets he splits: his own unit or one below it, in his data scope."""
    return may_split(user, org)


def _need_permission(actor: Any) -> None:
    if _user(actor) is None or not actor.has_perm(SET_PERMISSION):
        raise PermissionDenied(NO_PERMISSION)


def _unit(actor: Any, org: Organization) -> Organization:
    found = Organization.objects.visible_to(actor).filter(pk=org.pk).first()
    if found is None:
        raise BusinessError(NOT_VISIBLE, field="org")
    if not may_define(actor, found):
        raise BusinessError(NOT_OWN, field="org")
    return found


def _choice(text: str, options: list[tuple[str, str]]) -> str | None:
    """The code of ``text`` given as a code (any case) or a label."""
    folded = text.casefold()
    for code, label in options:
        if folded in (code.casefold(), label.casefold()):
            return code
    return None


def lineage_q(org: Organization) -> Any:
    """The definitions that share a cockpit with ``org``'s: those of the units above it (and
    itself) and those of the units below it."""
    from django.db.models import Q

    return Q(org_id__in=org.ancestor_ids()) | subtree_q(org.path, field="org")


def clean(
    actor: Any, org: Organization, data: dict[str, Any], instance: CustomIndicator | None = None
) -> dict[str, Any]:
    """The checked fields of a definition; every error at once as
    ``ValidationError({field: [message]})``, each message naming its field."""
    errors: dict[str, list[str]] = {}
    label = _text(data.get("label"))
    if not label:
        errors["label"] = ["指标名称：请填写"]
    elif len(label) > LABEL_MAX:
        errors["label"] = [f"指标名称：最多 {LABEL_MAX} 个字（现有 {len(label)} 个）"]
    elif any(i.label == label for i in indicators.REGISTRY.values()):
        errors["label"] = ["指标名称：与已登记的统计指标重名，请换一个名称"]
    else:
        clash = (
            CustomIndicator.objects.visible_to(actor)
            .filter(lineage_q(org), label=label, status=CustomStatus.ACTIVE)
            .exclude(pk=instance.pk if instance is not None else None)
        )
        if clash.exists():
            errors["label"] = ["指标名称：本单位或上下级单位已有同名的启用中的自定义指标"]
    base_text = _text(data.get("base"))
    base = indicators.REGISTRY.get(base_text) or next(
        (i for i in indicators.REGISTRY.values() if i.label == base_text), None
    )
    dimension = key = ""
    if not base_text:
        errors["base"] = ["基础指标：请选择"]
    elif base is None:
        errors["base"] = ["基础指标：不是已登记的统计指标"]
    else:
        dim_text = _text(data.get("dimension"))
        own_dims = [(str(d), str(Dimension(d).label)) for d in base.dimensions]
        found_dim = _choice(dim_text, own_dims) if dim_text else None
        if not dim_text:
            errors["dimension"] = ["分组维度：请选择"]
        elif found_dim is None:
            names = "、".join(label for _, label in own_dims) or "无"
            errors["dimension"] = [f"分组维度：「{base.label}」没有这个分组（可选：{names}）"]
        else:
            dimension = found_dim
            key_text = _text(data.get("key"))
            found_key = (
                _choice(key_text, indicators.key_options(dimension, base.code))
                if key_text
                else None
            )
            if not key_text:
                errors["key"] = ["分组取值：请填写（代码或名称）"]
            elif found_key is None:
                errors["key"] = [
                    f"分组取值：“{key_text[:20]}”不是「{Dimension(dimension).label}」的有效取值"
                ]
            else:
                key = found_key
    description = _text(data.get("description"))
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"说明：最多 {DESCRIPTION_MAX} 个字（现有 {len(description)} 个）"]
    if errors:
        raise ValidationError(errors)
    assert base is not None
    return {
        "label": label,
        "base": base.code,
        "dimension": dimension,
        "key": key,
        "unit": base.unit,
        "description": description,
    }


def _log(actor: Any, row: CustomIndicator, business_type: str, verb: str) -> None:
    ind = indicators.from_custom(row)
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=business_type,
        action=f"{verb}自定义指标：{row.label}（{ind.rule}）",
        target=row,
        extra={
            "code": ind.code,
            "base": row.base,
            "dimension": row.dimension,
            "key": row.key,
            "status": row.status,
        },
    )


def _stale(row: CustomIndicator) -> None:
    """The cockpits cached under the defining unit's figure version (and its ancestors') are
    stale; those of the units below are keyed by the custom indicators they show
    (``selectors.cockpit``)."""
    from . import rollups

    rollups._bump({row.org_id})


@transaction.atomic
def custom_create(*, actor: Any, org: Organization, data: dict[str, Any]) -> CustomIndicator:
    """Define a custom indicator of ``org`` (``data``: label, base, dimension, key,
    description; base, dimension and key by code or label)."""
    _need_permission(actor)
    org = _unit(actor, org)
    fields = clean(actor, org, data)
    user = _user(actor)
    row = CustomIndicator.objects.create(org=org, created_by=user, updated_by=user, **fields)
    _log(actor, row, BusinessType.INSERT, "新增")
    _stale(row)
    return row


def _own(actor: Any, indicator: CustomIndicator) -> CustomIndicator:
    row = (
        CustomIndicator.objects.visible_to(actor, "change")
        .select_for_update()
        .filter(pk=indicator.pk)
        .first()
    )
    if row is None:
        raise BusinessError(NOT_FOUND, field="indicator")
    if not may_define(actor, row.org):
        raise BusinessError(NOT_OWN, field="org")
    return row


@transaction.atomic
def custom_update(
    *, actor: Any, indicator: CustomIndicator, data: dict[str, Any]
) -> CustomIndicator:
    """Change a definition. Once it has targets, only its name and description change: its
    base, breakdown and key are what the targets were set for (define a new one instead)."""
    _need_permission(actor)
    row = _own(actor, indicator)
    merged = {f: getattr(row, f) for f in FIELDS}
    merged.update({k: v for k, v in data.items() if k in FIELDS})
    fields = clean(actor, row.org, merged, instance=row)
    meaning = ("base", "dimension", "key")
    if any(fields[f] != getattr(row, f) for f in meaning) and (
        Target.objects.visible_to(actor).filter(indicator=row.code).exists()
    ):
        raise BusinessError(
            "基础指标、分组维度和分组取值：已有年度目标的自定义指标不能修改口径，"
            "只能修改名称和说明（需要新口径时请新增一个自定义指标）",
            field="base",
        )
    changed = [f for f, v in fields.items() if getattr(row, f) != v]
    if not changed:
        return row
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_by = _user(actor)
    row.save()
    _log(actor, row, BusinessType.UPDATE, "修改")
    _stale(row)
    return row


@transaction.atomic
def custom_retire(*, actor: Any, indicator: CustomIndicator) -> CustomIndicator:
    """Retire a custom indicator: it leaves the cockpit and takes no new target; its targets
    and their history stay readable."""
    _need_permission(actor)
    row = _own(actor, indicator)
    if row.status == CustomStatus.RETIRED:
        raise BusinessError("状态：该自定义指标已停用", field="status")
    row.status = CustomStatus.RETIRED
    row.updated_by = _user(actor)
    row.save()
    _log(actor, row, BusinessType.UPDATE, "停用")
    _stale(row)
    return row


@transaction.atomic
def custom_restore(*, actor: Any, indicator: CustomIndicator) -> CustomIndicator:
    """Enable a retired custom indicator again (its name must still be free)."""
    _need_permission(actor)
    row = _own(actor, indicator)
    if row.status == CustomStatus.ACTIVE:
        raise BusinessError("状态：该自定义指标已是启用状态", field="status")
    clean(actor, row.org, {f: getattr(row, f) for f in FIELDS}, instance=row)
    row.status = CustomStatus.ACTIVE
    row.updated_by = _user(actor)
    row.save()
    _log(actor, row, BusinessType.UPDATE, "启用")
    _stale(row)
    return row
