"""Reads of the organisation tree; every function takes the requesting user and is scoped."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiangqiao.core.choices import DataScope, Status

from .choices import OrgLevel
from .models import Organization


def organization_list(*, user: Any, action: str = "view") -> QuerySet[Organization]:
    return Organization.objects.visible_to(user, action).select_related("parent")


def organization_choices_for(*, user: Any, action: str = "add") -> QuerySet[Organization]:
    """Enabled units the user may attach new rows to (form choice fields use this)."""
    return Organization.objects.visible_to(user, action).filter(status=Status.ACTIVE)


def organization_children(*, user: Any, org: Organization) -> QuerySet[Organization]:
    return organization_list(user=user).filter(parent=org)


def organization_stats(*, user: Any) -> dict[str, int]:
    qs = organization_list(user=user)
    return {
        "total": qs.count(),
        "active": qs.filter(status=Status.ACTIVE).count(),
    }


def holds_all_data(user: Any) -> bool:
    """A superuser, or a user with an active 全部数据 role."""
    if user.is_superuser:
        return True
    return any(role.data_scope == DataScope.ALL for role in user.active_roles())


def unit_edit_allowed(*, user: Any, org: Organization) -> bool:
    """Units are edited from the level above: only units strictly below the user's own unit.

    Name, region code, level, parent and status of a unit are maintained by the unit above it, so
    nobody edits his own unit or one above or beside it. A 全部数据 role (the province-level system
    administrator) edits every unit, the root included — the root has no unit above it. The data
    scope still applies (a unit outside it is not found); viewing is unaffected.
    """
    if not user.is_authenticated or not user.has_perm("orgs.change_organization"):
        return False
    if not Organization.objects.visible_to(user, "change").filter(pk=org.pk).exists():
        return False
    if holds_all_data(user):
        return True
    own = getattr(user, "org", None)
    return own is not None and org.pk != own.pk and org.path.startswith(own.path)


def default_unit(*, user: Any) -> Organization | None:
    """The unit a user's statistics page opens on: his own, else the top unit he sees."""
    units = Organization.objects.visible_to(user, "view")
    own = getattr(user, "org", None)
    if own is not None and units.filter(pk=own.pk).exists():
        return own  # type: ignore[no-any-return]
    return units.order_by("depth", "sort", "pk").first()


def drill_trail(*, user: Any, unit: Organization) -> list[Organization]:
    """The drill path from the highest unit the user sees down to ``unit`` (breadcrumb of the
    statistics pages: the academy's 统计报表, the cockpit)."""
    visible = {
        o.pk: o
        for o in Organization.objects.visible_to(user, "view")
        .filter(pk__in=unit.ancestor_ids())
        .only("pk", "name", "path", "depth", "parent_id", "level")
    }
    trail: list[Organization] = []
    for pk in unit.ancestor_ids():
        if pk in visible:
            trail.append(visible[pk])
        else:
            trail = []  # a gap: the user's view starts below it
    return trail


#: Levels that take enterprises of a region (grassroots and industry unions serve their members).
REGION_UNIT_LEVELS = (OrgLevel.COUNTY, OrgLevel.CITY, OrgLevel.PROVINCE, OrgLevel.NATIONAL)


def unit_for_region(region_code: str) -> Organization | None:
    """The enabled union unit responsible for a GB/T 2260 region: the county's (区/县) unit, else
    the city's, else the province's (the tree's fallback upwards); ``None`` if none serves it.

    Not scoped on purpose: it answers who owns a self-registered enterprise (企业自助注册, an
    anonymous visitor), and the unit found is never shown to that visitor.
    """
    code = (region_code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return None
    candidates = list(dict.fromkeys([code, code[:4] + "00", code[:2] + "0000"]))
    rank = {level: n for n, level in enumerate(REGION_UNIT_LEVELS)}
    units = Organization.objects.filter(
        region_code__in=candidates, level__in=REGION_UNIT_LEVELS, status=Status.ACTIVE
    )
    best = sorted(
        units,
        key=lambda o: (candidates.index(o.region_code), rank[OrgLevel(o.level)], o.depth, o.pk),
    )
    return best[0] if best else None
