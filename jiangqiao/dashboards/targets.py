"""Reads of the yearly targets (issue 16 point 1) and the rule of who sets them.

Every read takes the requesting user and goes through ``Target.objects.visible_to(user)``: a city
sees the targets of its own subtree (its own target, set by the province, included), a county its
own and those below it. The figures come from ``selectors``/``rollups``; only the targets are here.

Who sets a target (docs/dashboards.md 「年度目标」): the level above. A user with
``dashboards.set_target`` sets the targets of units **strictly below his own unit** that are in
his data scope; the target of his own unit only when his unit has no parent in this instance (the
province of a provincial instance: the national figure arrives through the exchange later).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

from jiangqiao.core.choices import Status
from jiangqiao.orgs.models import Organization

from . import indicators
from .choices import Campaign
from .models import CustomIndicator, Target, TargetRevision

SET_PERMISSION = "dashboards.set_target"


def target_list(user: Any, action: str = "view") -> QuerySet[Target]:
    """The targets the user may see (``action``: ``view``, or ``change`` for writes), with the
    name and unit of a custom indicator (``custom_label``/``custom_unit``, read through its own
    ``visible_to``)."""
    customs = (
        CustomIndicator.objects.visible_to(user)
        .annotate(code=Concat(Value(indicators.CUSTOM_PREFIX), Cast("pk", CharField())))
        .filter(code=OuterRef("indicator"))
    )
    return (
        Target.objects.visible_to(user, action)
        .select_related("org")
        .annotate(
            custom_label=Subquery(customs.values("label")[:1]),
            custom_unit=Subquery(customs.values("unit")[:1]),
        )
    )


def targets_for(
    user: Any, org: Organization, year: int, campaign: str = Campaign.ZHUQIXING
) -> dict[str, int]:
    """``{indicator: value}`` of the unit's own targets of the year (empty if none or unseen)."""
    rows = (
        target_list(user)
        .filter(org=org, year=year, campaign=campaign)
        .values_list("indicator", "value")
    )
    return {indicator: int(value) for indicator, value in rows}


def children_targets(
    user: Any, org: Organization, year: int, campaign: str = Campaign.ZHUQIXING
) -> dict[int, dict[str, int]]:
    """``{child_org_id: {indicator: value}}`` of the unit's direct children the user may see."""
    out: dict[int, dict[str, int]] = {}
    rows = (
        target_list(user)
        .filter(org__parent=org, year=year, campaign=campaign)
        .values_list("org_id", "indicator", "value")
    )
    for org_id, indicator, value in rows:
        out.setdefault(org_id, {})[indicator] = int(value)
    return out


def target_revisions(user: Any, target: Target) -> QuerySet[TargetRevision]:
    """The history of one target (newest first), scoped like the target itself."""
    return (
        TargetRevision.objects.visible_to(user)
        .filter(target=target)
        .select_related("actor", "target", "target__org")
    )


def unit_revisions(
    user: Any, org: Organization, year: int, campaign: str = Campaign.ZHUQIXING
) -> QuerySet[TargetRevision]:
    """The history of a unit's targets of the year and of its children's (newest first)."""
    return (
        TargetRevision.objects.visible_to(user)
        .filter(target__year=year, target__campaign=campaign)
        .filter(Q(target__org=org) | Q(target__org__parent=org))
        .select_related("actor", "target", "target__org")
    )


# ------------------------------------------------------------------------------------------------
# Who may set what
# ------------------------------------------------------------------------------------------------


def _own(user: Any) -> Organization | None:
    return getattr(user, "org", None) if getattr(user, "is_authenticated", False) else None


def _visible(user: Any, org: Organization) -> bool:
    return bool(Organization.objects.visible_to(user).filter(pk=org.pk).exists())


def may_set(user: Any, org: Organization) -> bool:
    """May the user set ``org``'s own target? A unit strictly below his own one, in his scope;
    his own unit only when it has no parent in this instance."""
    own = _own(user)
    if own is None or not user.has_perm(SET_PERMISSION) or not _visible(user, org):
        return False
    if org.pk == own.pk:
        return org.parent_id is None
    return org.path.startswith(own.path)


def may_split(user: Any, parent: Organization) -> bool:
    """May the user set the targets of ``parent``'s children (``parent`` is his own unit or
    below it, in his scope)?"""
    own = _own(user)
    if own is None or not user.has_perm(SET_PERMISSION) or not _visible(user, parent):
        return False
    return parent.path.startswith(own.path)


def own_indicators(user: Any, org: Organization) -> list[indicators.Indicator]:
    """The indicators whose target of ``org`` the user sets on the 设定本级目标 form: every one
    when he may set ``org``'s targets, else the custom ones ``org`` defined itself when he may
    split ``org``'s (a unit's own custom indicator has no level above it)."""
    if may_set(user, org):
        return indicators.available(user, org)
    if may_split(user, org):
        return [i for i in indicators.custom_for(user, org) if i.org_id == org.pk]
    return []


def split_children(user: Any, parent: Organization) -> QuerySet[Organization]:
    """The enabled direct children of ``parent`` the user may see (the rows of the split form)."""
    return (
        Organization.objects.visible_to(user)
        .filter(parent=parent, status=Status.ACTIVE)
        .order_by("sort", "region_code", "name", "pk")
    )


# ------------------------------------------------------------------------------------------------
# The unit page: indicators × (本级目标, 下级分解合计, 差额)
# ------------------------------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    indicator: indicators.Indicator
    own: int | None
    children_sum: int
    children_set: int
    target_pk: int | None = None

    @property
    def gap(self) -> int | None:
        """下级合计 − 本级目标: negative = not split in full, positive = over-allocated."""
        if self.own is None:
            return None
        return self.children_sum - self.own

    @property
    def own_text(self) -> str:
        return number(self.own)

    @property
    def sum_text(self) -> str:
        return number(self.children_sum)

    @property
    def gap_text(self) -> str:
        gap = self.gap
        if gap is None:
            return ""
        if self.children_set == 0:
            return "未分解"
        if gap < 0:
            return f"还差 {-gap:,}"
        return f"超出 {gap:,}" if gap > 0 else "一致"

    @property
    def state(self) -> str:
        if self.own is None:
            return "none"
        if self.children_set == 0:
            return "unsplit"
        gap = self.gap or 0
        return "short" if gap < 0 else ("over" if gap > 0 else "even")


@dataclass
class UnitTargets:
    org: Organization
    year: int
    campaign: str
    rows: list[IndicatorRow]
    children: list[tuple[Organization, dict[str, int]]] = field(default_factory=list)
    trail: list[Organization] = field(default_factory=list)
    can_split: bool = False
    can_set_own: bool = False

    @property
    def has_targets(self) -> bool:
        return any(r.own is not None or r.children_set for r in self.rows)


def unit_targets(
    user: Any, org: Organization, year: int, campaign: str = Campaign.ZHUQIXING
) -> UnitTargets:
    """What the 年度目标 page shows for ``org`` (a unit the caller has checked is visible)."""
    own_rows = {
        t.indicator: t
        for t in target_list(user)
        .filter(org=org, year=year, campaign=campaign)
        .only("pk", "indicator", "value", "org_id")
    }
    kids = list(split_children(user, org))
    by_child = children_targets(user, org, year, campaign)
    rows = []
    for ind in indicators.available(user, org, active_only=False):
        values = [by_child[c.pk][ind.code] for c in kids if ind.code in by_child.get(c.pk, {})]
        own = own_rows.get(ind.code)
        if not ind.active and own is None and not values:
            continue  # a retired custom indicator without targets here
        rows.append(
            IndicatorRow(
                indicator=ind,
                own=int(own.value) if own else None,
                children_sum=sum(values),
                children_set=len(values),
                target_pk=own.pk if own else None,
            )
        )
    own_unit = _own(user)
    visible_trail = set(
        Organization.objects.visible_to(user)
        .filter(pk__in=org.ancestor_ids())
        .values_list("pk", flat=True)
    )
    trail = [
        o
        for o in Organization.objects.filter(pk__in=visible_trail).order_by("depth")
        if own_unit is None or o.path.startswith(own_unit.path) or o.pk == org.pk
    ]
    return UnitTargets(
        org=org,
        year=year,
        campaign=campaign,
        rows=rows,
        children=[(c, by_child.get(c.pk, {})) for c in kids],
        trail=trail,
        can_split=bool(kids) and may_split(user, org),
        can_set_own=bool(own_indicators(user, org)),
    )


def number(value: int | None) -> str:
    """``6000`` → ``"6,000"``; ``None`` → ``""``."""
    return "" if value is None else f"{int(value):,}"


def split_hint(parent: int | None, total: int) -> str:
    """The hint under a split column (the page's script keeps it up to date while typing)."""
    if parent is None:
        return "本级未设目标，不核对"
    if total < parent:
        return f"还差 {parent - total:,}"
    if total > parent:
        return f"超出 {total - parent:,}（允许）"
    return "与本级目标一致"


def default_unit(user: Any) -> Organization | None:
    """The unit the page opens on: the user's own unit if he may see it, else the topmost unit of
    his scope."""
    own = _own(user)
    visible = Organization.objects.visible_to(user)
    if own is not None and visible.filter(pk=own.pk).exists():
        return own
    return visible.order_by("depth", "path").first()
