"""Writes of the yearly targets (issue 16 point 1). Every function is atomic, checks who may set
what (``targets.may_set``/``may_split``: the level above sets the level below) and is audited:
each changed value writes a :class:`TargetRevision` (before/after/who/why/source), the change log
follows every ``save()`` (``core.changelog``) and each call writes one operation-log row.

* :func:`target_split` sets the targets of a unit's children for one indicator in one go and
  checks their sum against the unit's own target: below it → refused, naming the shortfall;
  above it → saved with a warning (over-allocation is common); no target above → saved, and said.
* :func:`target_set` sets one unit's target: a unit below goes through ``target_split`` (the same
  checks), a top unit (no parent in this instance) sets its own.
* :func:`target_update` is the API's PUT/PATCH of one target (optimistic version, note, value).

Values: whole numbers from 0 to 10⁹, and at most 1000 × the parent's target (a typo such as three
extra zeros); anything else is a field error in Chinese. Nothing partial is saved.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jiangqiao.core.choices import BusinessType, Status
from jiangqiao.core.concurrency import claim_version
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.pickers import key_from_text
from jiangqiao.orgs.models import Organization

from . import indicators
from .choices import Campaign, TargetSource
from .models import Target, TargetRevision
from .targets import SET_PERMISSION, may_set, may_split

MODULE = "年度目标"
VALUE_MAX = 1_000_000_000
#: A child's target above this many times the parent's is taken for a typo.
RATIO_MAX = 1000
YEAR_MIN, YEAR_MAX = 2000, 2100
NOTE_MAX = 300
SHORT_CODE = "short"

NO_PERMISSION = "您没有设定年度目标的权限"
NOT_BELOW = (
    "年度目标由上级单位分解下达：您只能为本单位的下级单位设定目标"
    "（本单位没有上级单位时，可设定本单位的目标）"
)
NOT_VISIBLE = "该单位不存在，或不在您的数据范围内"
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d*\.\d+")


@dataclass
class SplitResult:
    """What a split or a set did: the targets it changed and what the user should know."""

    parent: Organization | None
    indicator: str
    parent_value: int | None
    total: int
    changed: list[Target] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _actor_name(actor: Any) -> str:
    user = _user(actor)
    return str(user.username) if user is not None else "系统"


def _need_permission(actor: Any) -> None:
    if _user(actor) is None or not actor.has_perm(SET_PERMISSION):
        raise PermissionDenied(NO_PERMISSION)


def clean_campaign(value: Any) -> str:
    if value in (None, ""):
        return str(Campaign.ZHUQIXING)
    if str(value) not in Campaign.values:
        raise BusinessError("专项行动：取值不正确", field="campaign")
    return str(value)


def clean_year(value: Any) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise BusinessError("年度：应为四位年份，如 2026", field="year") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise BusinessError(f"年度：应在 {YEAR_MIN} 到 {YEAR_MAX} 之间", field="year")
    return year


def clean_indicator(
    value: Any, *, user: Any = None, unit: Organization | None = None
) -> indicators.Indicator:
    """An indicator by code or label: a registered one, or a custom one (``c<id>`` or its name)
    that ``user`` may see and that applies to ``unit`` (docs/dashboards.md 自定义指标). A retired
    custom indicator takes no new target."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    found = indicators.resolve(text, user=user, unit=unit)
    if found is None:
        found = next((i for i in indicators.REGISTRY.values() if i.label == text), None)
    if found is None and user is not None and unit is not None and text:
        found = next(
            (i for i in indicators.custom_for(user, unit, active_only=False) if i.label == text),
            None,
        )
    if found is None:
        raise BusinessError("指标：不是已登记的统计指标或本单位适用的自定义指标", field="indicator")
    if not found.active:
        raise BusinessError("指标：该自定义指标已停用，不能再设定目标", field="indicator")
    return found


def parse_value(raw: Any) -> int | None:
    """A target value: a whole number from 0 to 10⁹ (``"6,000"`` and ``"6000.0"`` are read as
    6000); ``None`` for an empty input. Raises ``BusinessError`` naming 目标值."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise BusinessError("目标值：应为整数", field="value")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float | Decimal):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise BusinessError("目标值：应为整数", field="value")
        if raw != int(raw):
            raise BusinessError("目标值：应为整数，不能有小数", field="value")
        value = int(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        text = text.replace(",", "").replace("，", "").replace(" ", "")
        if not text:
            return None
        if len(text) > 30:
            raise BusinessError("目标值：应为整数", field="value")
        if _INTEGER.fullmatch(text):
            value = int(text)
        elif _DECIMAL.fullmatch(text):
            number = Decimal(text)
            if number != number.to_integral_value():
                raise BusinessError("目标值：应为整数，不能有小数", field="value")
            value = int(number)
        else:
            raise BusinessError("目标值：应为整数", field="value")
    if value < 0:
        raise BusinessError("目标值：不能为负数", field="value")
    if value > VALUE_MAX:
        raise BusinessError(f"目标值：不能超过 {VALUE_MAX:,}（请核对是否多输了 0）", field="value")
    return value


def _text(value: Any, label: str, field_name: str) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if len(text) > NOTE_MAX:
        raise BusinessError(
            f"{label}：最多 {NOTE_MAX} 个字（现有 {len(text)} 个）", field=field_name
        )
    return text


def split_check(label: str, parent_value: int | None, total: int) -> tuple[str | None, list[str]]:
    """The sum of the children's targets against the parent's: (refusal, warnings)."""
    if parent_value is None:
        return None, [f"【{label}】本级尚未设定目标，未核对各下级目标之和（合计 {total:,}）"]
    if total < parent_value:
        return (
            f"【{label}】各下级目标之和 {total:,} 少于本级目标 {parent_value:,}，"
            f"还差 {parent_value - total:,}",
            [],
        )
    if total > parent_value:
        return None, [
            f"【{label}】各下级目标之和 {total:,} 超过本级目标 {parent_value:,}，"
            f"多分解 {total - parent_value:,}（允许超额分解）"
        ]
    return None, []


def ratio_error(value: int, parent_value: int | None) -> str | None:
    if parent_value and value > parent_value * RATIO_MAX:
        return (
            f"目标值：{value:,} 超过本级目标 {parent_value:,} 的 {RATIO_MAX} 倍，请核对是否多输了 0"
        )
    return None


def _pk(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    return key_from_text(str(key).strip())


# ------------------------------------------------------------------------------------------------
# Writing one target
# ------------------------------------------------------------------------------------------------


def _store(
    actor: Any,
    *,
    org_id: int,
    campaign: str,
    year: int,
    indicator: str,
    value: int,
    existing: Target | None,
    comment: str,
    source: str,
    note: str | None = None,
    bump: bool = True,
) -> Target | None:
    """Create or change one target and write its revision; ``None`` when nothing changed."""
    user = _user(actor)
    if existing is None:
        target = Target(
            org_id=org_id,
            campaign=campaign,
            year=year,
            indicator=indicator,
            value=value,
            note=note or "",
            created_by=user,
            updated_by=user,
        )
        target.save()
        before = None
    else:
        target = existing
        before = int(target.value)
        if before == value and (note is None or note == target.note):
            return None
        target.value = value
        if note is not None:
            target.note = note
        if bump:
            target.version += 1
        target.updated_by = user
        target.save()
    if before != value:
        TargetRevision.objects.create(
            target=target,
            before=before,
            after=value,
            actor=user,
            actor_name=_actor_name(actor),
            source=source,
            comment=comment,
        )
    return target


def _cockpits_stale(org_ids: set[int]) -> None:
    """The cockpits cached under these units' figure version (and their ancestors', which list
    them among the units below) show the old targets: bump the version (``rollups``)."""
    from . import rollups

    if org_ids:
        rollups._bump(org_ids)


def _source(source: Any) -> str:
    return str(source) if str(source) in TargetSource.values else str(TargetSource.FORM)


# ------------------------------------------------------------------------------------------------
# Split
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def target_split(
    *,
    actor: Any,
    parent: Organization,
    campaign: Any,
    year: Any,
    indicator: Any,
    values: dict[Any, Any],
    comment: str = "",
    source: str = TargetSource.FORM,
    notes: dict[int, str] | None = None,
) -> SplitResult:
    """Set the targets of ``parent``'s children (``values``: ``{child_org_id: value}``) for one
    indicator, checked against ``parent``'s own target. A child left out keeps its target; an
    empty value leaves a child without a target as it is (a set target cannot be emptied).

    Field errors are raised together as ``ValidationError({"values.<child id>": [...]})``; a sum
    below the parent's target as ``BusinessError(field="values", code="short")``."""
    return _split(
        actor,
        parent=parent,
        campaign=campaign,
        year=year,
        indicator=indicator,
        values=values,
        comment=comment,
        source=source,
        notes=notes,
    )


def _split(
    actor: Any,
    *,
    parent: Organization,
    campaign: Any,
    year: Any,
    indicator: Any,
    values: dict[Any, Any],
    comment: str,
    source: str,
    notes: dict[int, str] | None = None,
    claimed: frozenset[int] = frozenset(),
) -> SplitResult:
    _need_permission(actor)
    campaign = clean_campaign(campaign)
    year = clean_year(year)
    comment = _text(comment, "说明", "comment")
    source = _source(source)
    # One split of a unit at a time: the row lock orders concurrent splits of the same children.
    locked = Organization.objects.select_for_update().filter(pk=parent.pk).first()
    if locked is None or not Organization.objects.visible_to(actor).filter(pk=parent.pk).exists():
        raise BusinessError(NOT_VISIBLE, field="org")
    parent = locked
    if not may_split(actor, parent):
        raise BusinessError(NOT_BELOW, field="org")
    ind = clean_indicator(indicator, user=actor, unit=parent)
    children = set(
        Organization.objects.filter(parent=parent, status=Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    settable = set(
        Organization.objects.visible_to(actor).filter(pk__in=children).values_list("pk", flat=True)
    )
    keys: dict[str, Any] = {"campaign": campaign, "year": year, "indicator": ind.code}
    current = {
        t.org_id: t for t in Target.objects.select_for_update().filter(org_id__in=children, **keys)
    }
    own = Target.objects.filter(org=parent, **keys).values_list("value", flat=True).first()
    parent_value = int(own) if own is not None else None
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, int] = {}
    for key, raw in values.items():
        child_id = _pk(key)
        name = f"values.{key}"
        if child_id is None or child_id not in settable:
            errors[name] = ["单位：不是本级的下级单位，或不在您的数据范围内"]
            continue
        try:
            value = parse_value(raw)
        except BusinessError as exc:
            errors[name] = [exc.message]
            continue
        if value is None:
            if child_id in current:
                errors[name] = ["目标值：已设定的目标不能清空（不再考核的可填 0）"]
            continue
        problem = ratio_error(value, parent_value)
        if problem:
            errors[name] = [problem]
            continue
        cleaned[child_id] = value
    if errors:
        raise ValidationError(errors)
    if not cleaned:
        raise BusinessError("目标值：请至少填写一个下级单位的目标值", field="values")
    total = sum(int(t.value) for cid, t in current.items() if cid not in cleaned)
    total += sum(cleaned.values())
    refusal, warnings = split_check(ind.label, parent_value, total)
    if refusal:
        raise BusinessError(refusal, field="values", code=SHORT_CODE)
    changed = []
    for child_id, value in sorted(cleaned.items()):
        target = _store(
            actor,
            org_id=child_id,
            existing=current.get(child_id),
            value=value,
            comment=comment,
            source=source,
            note=(notes or {}).get(child_id),
            bump=child_id not in claimed,
            **keys,
        )
        if target is not None:
            changed.append(target)
    if changed:
        _cockpits_stale({t.org_id for t in changed})
        record_operation(
            actor=_user(actor),
            module=MODULE,
            business_type=BusinessType.UPDATE,
            action=(
                f"分解年度目标：{parent.name} {year}年 {ind.label}"
                f"（{len(changed)} 个下级单位，下级合计 {total:,}）"
            ),
            target=parent,
            extra={
                "indicator": ind.code,
                "year": year,
                "campaign": campaign,
                "source": source,
                "values": {str(t.org_id): int(t.value) for t in changed},
            },
        )
    return SplitResult(
        parent=parent,
        indicator=ind.code,
        parent_value=parent_value,
        total=total,
        changed=changed,
        warnings=warnings,
    )


# ------------------------------------------------------------------------------------------------
# One unit's target
# ------------------------------------------------------------------------------------------------


def _set_top(
    actor: Any,
    *,
    org: Organization,
    campaign: str,
    year: int,
    ind: indicators.Indicator,
    value: int,
    comment: str,
    source: str,
    note: str | None,
    bump: bool = True,
) -> SplitResult:
    """The target of a unit with no parent in this instance, set by the unit itself."""
    locked = Organization.objects.select_for_update().get(pk=org.pk)
    keys: dict[str, Any] = {"campaign": campaign, "year": year, "indicator": ind.code}
    existing = Target.objects.select_for_update().filter(org=locked, **keys).first()
    target = _store(
        actor,
        org_id=locked.pk,
        campaign=campaign,
        year=year,
        indicator=ind.code,
        existing=existing,
        value=value,
        comment=comment,
        source=source,
        note=note,
        bump=bump,
    )
    children = Target.objects.filter(
        org__parent=locked, org__status=Status.ACTIVE, **keys
    ).values_list("value", flat=True)
    total = sum(int(v) for v in children)
    warnings: list[str] = []
    if children and total < value:
        warnings.append(
            f"【{ind.label}】各下级目标之和 {total:,} 少于新的本级目标 {value:,}，"
            f"还差 {value - total:,}，请重新分解"
        )
    if target is not None:
        _cockpits_stale({locked.pk})
        record_operation(
            actor=_user(actor),
            module=MODULE,
            business_type=BusinessType.UPDATE,
            action=f"设定本级年度目标：{locked.name} {year}年 {ind.label} {value:,}",
            target=locked,
            extra={"indicator": ind.code, "year": year, "campaign": campaign, "source": source},
        )
    return SplitResult(
        parent=None,
        indicator=ind.code,
        parent_value=None,
        total=total,
        changed=[target] if target is not None else [],
        warnings=warnings,
    )


@transaction.atomic
def target_set(
    *,
    actor: Any,
    org: Organization,
    campaign: Any,
    year: Any,
    indicator: Any,
    value: Any,
    comment: str = "",
    source: str = TargetSource.FORM,
    note: str | None = None,
) -> SplitResult:
    """Set one unit's target. A unit below the actor's goes through the split of its parent (the
    sum is checked the same way); the actor's own unit only when it has no parent."""
    _need_permission(actor)
    if not Organization.objects.visible_to(actor).filter(pk=org.pk).exists():
        raise BusinessError(NOT_VISIBLE, field="org")
    org = Organization.objects.get(pk=org.pk)
    own = defines(actor, org, indicator)
    if own is None and not may_set(actor, org):
        raise BusinessError(NOT_BELOW, field="org")
    if note is not None:
        note = _text(note, "说明", "note")
    if org.parent_id is not None and own is None:
        assert org.parent is not None
        try:
            return _split(
                actor,
                parent=org.parent,
                campaign=campaign,
                year=year,
                indicator=indicator,
                values={org.pk: value},
                comment=comment,
                source=source,
                notes={org.pk: note} if note is not None else None,
            )
        except ValidationError as exc:
            raise _single_field(exc) from None
    parsed = parse_value(value)
    if parsed is None:
        raise BusinessError("目标值：请填写目标值", field="value")
    return _set_top(
        actor,
        org=org,
        campaign=clean_campaign(campaign),
        year=clean_year(year),
        ind=own or clean_indicator(indicator, user=actor, unit=org),
        value=parsed,
        comment=_text(comment, "说明", "comment"),
        source=_source(source),
        note=note,
    )


def defines(actor: Any, org: Organization, indicator: Any) -> indicators.Indicator | None:
    """The custom indicator ``indicator`` when ``org`` defined it and the actor may set its
    target: a unit's own custom indicator has no level above it, so the unit sets its own
    target (as a top unit does) and splits it. ``None`` otherwise."""
    try:
        found = clean_indicator(indicator, user=actor, unit=org)
    except BusinessError:
        return None
    if not found.custom or found.org_id != org.pk or not may_split(actor, org):
        return None
    return found


def _single_field(exc: ValidationError) -> ValidationError:
    """A one-unit split's ``values.<id>`` errors are the ``value`` field's."""
    if not hasattr(exc, "error_dict"):
        return exc
    messages = [m for errors in exc.message_dict.values() for m in errors]
    return ValidationError({"value": messages})


TARGET_FIELDS = ("value", "note")


@transaction.atomic
def target_update(
    *,
    actor: Any,
    target: Target,
    data: dict[str, Any],
    version: int | None,
    comment: str = "",
    source: str = TargetSource.API,
) -> Target:
    """Change one target's value and/or note (the API's PUT/PATCH), with the version read."""
    unknown = set(data) - set(TARGET_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    _need_permission(actor)
    row = Target.objects.select_for_update().select_related("org").filter(pk=target.pk).first()
    if row is None or not Target.objects.visible_to(actor, "change").filter(pk=row.pk).exists():
        raise BusinessError(NOT_VISIBLE, field="org")
    own = defines(actor, row.org, row.indicator)
    if own is None and not may_set(actor, row.org):
        raise BusinessError(NOT_BELOW, field="org")
    claim_version(row, version)
    note = _text(data["note"], "说明", "note") if "note" in data else None
    value = parse_value(data["value"]) if "value" in data else None
    if "value" in data and value is None:
        raise BusinessError("目标值：已设定的目标不能清空（不再考核的可填 0）", field="value")
    if value is None or value == row.value:
        if note is not None and note != row.note:
            row.note = note
            row.updated_by = _user(actor)
            row.save()
        return row
    org = row.org
    if org.parent_id is not None and own is None:
        assert org.parent is not None
        try:
            _split(
                actor,
                parent=org.parent,
                campaign=row.campaign,
                year=row.year,
                indicator=row.indicator,
                values={org.pk: value},
                comment=comment,
                source=source,
                notes={org.pk: note} if note is not None else None,
                claimed=frozenset({org.pk}),
            )
        except ValidationError as exc:
            raise _single_field(exc) from None
    else:
        _set_top(
            actor,
            org=org,
            campaign=row.campaign,
            year=row.year,
            ind=own or clean_indicator(row.indicator, user=actor, unit=org),
            value=value,
            comment=_text(comment, "说明", "comment"),
            source=_source(source),
            note=note,
            bump=False,
        )
    return Target.objects.select_related("org").get(pk=row.pk)


# ------------------------------------------------------------------------------------------------
# Several indicators at once (the pages)
# ------------------------------------------------------------------------------------------------


def _collect(errors: dict[str, list[str]], code: str, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            errors.setdefault(f"{code}.{key}", []).extend(messages)
    elif isinstance(exc, BusinessError):
        if exc.field in ("org", "campaign", "year"):
            raise exc
        errors.setdefault(f"{code}.{exc.field or 'values'}", []).append(exc.message)
    else:
        errors.setdefault(f"{code}.values", []).extend(getattr(exc, "messages", [str(exc)]))


@transaction.atomic
def target_split_many(
    *,
    actor: Any,
    parent: Organization,
    campaign: Any,
    year: Any,
    splits: dict[str, dict[Any, Any]],
    comment: str = "",
    source: str = TargetSource.FORM,
) -> list[SplitResult]:
    """The split form: ``target_split`` for each indicator (``{code: {child_id: value}}``), all or
    nothing. Every indicator is checked; the errors are raised together as
    ``ValidationError({"<code>.values.<child id>": [...], "<code>.values": [...]})``."""
    errors: dict[str, list[str]] = {}
    results: list[SplitResult] = []
    for code, values in splits.items():
        try:
            with transaction.atomic():
                results.append(
                    _split(
                        actor,
                        parent=parent,
                        campaign=campaign,
                        year=year,
                        indicator=code,
                        values=values,
                        comment=comment,
                        source=source,
                    )
                )
        except (ValidationError, BusinessError) as exc:
            _collect(errors, code, exc)
    if errors:
        raise ValidationError(errors)
    return results


@transaction.atomic
def target_set_many(
    *,
    actor: Any,
    org: Organization,
    campaign: Any,
    year: Any,
    values: dict[str, Any],
    comment: str = "",
    source: str = TargetSource.FORM,
) -> list[SplitResult]:
    """A unit's own targets of several indicators (``{code: value}``), all or nothing; errors as
    ``ValidationError({"<code>.value": [...]})``."""
    errors: dict[str, list[str]] = {}
    results: list[SplitResult] = []
    for code, value in values.items():
        try:
            with transaction.atomic():
                results.append(
                    target_set(
                        actor=actor,
                        org=org,
                        campaign=campaign,
                        year=year,
                        indicator=code,
                        value=value,
                        comment=comment,
                        source=source,
                    )
                )
        except (ValidationError, BusinessError) as exc:
            _collect(errors, code, exc)
    if errors:
        raise ValidationError(errors)
    return results
