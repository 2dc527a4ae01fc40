"""Reads of the talents app; every function takes the requesting user and is scoped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from .choices import ConsentPurpose, CraftsmanStatus
from .models import Consent, Craftsman, ServiceTeam, TeamMembership

# ------------------------------------------------------------------------------------------------
# Consents in force (PIPL art. 14, 23, 25): the one place that says who may be used and contacted
# ------------------------------------------------------------------------------------------------

#: The separate consent that matching needs: being suggested shows the craftsman's profile to the
#: staff of the demand's unit (possibly another union) and, once confirmed, to the enterprise.
MATCHING_CONSENT = ConsentPurpose.PROFILE_PUBLICATION
#: The separate consent that an offer (invitation) needs: an accepted offer puts the craftsman
#: in touch with the enterprise's contact (his name and number reach another handler).
CONTACT_CONSENT = ConsentPurpose.CONTACT_SHARING

#: Why a craftsman without the consent is left out, as staff read it.
CONSENT_REFUSALS: dict[str, str] = {
    MATCHING_CONSENT: "该劳模工匠未同意“公开展示个人档案”（或已撤回），不能用于匹配推荐",
    CONTACT_CONSENT: "该劳模工匠未同意“向服务对象企业提供联系方式”（或已撤回），不能向其发出服务邀请",
}


def consent_in_force_q(purpose: str, prefix: str = "") -> Q:
    """``Q`` on craftsmen (or on rows whose ``prefix`` leads to a craftsman, e.g. ``craftsman__``)
    holding a consent for ``purpose`` that is not withdrawn."""
    return Q(
        Exists(
            Consent.objects.filter(
                craftsman=OuterRef(f"{prefix}pk" if prefix else "pk"),
                purpose=purpose,
                withdrawn_at__isnull=True,
            )
        )
    )


def matchable_craftsmen() -> QuerySet[Craftsman]:
    """Craftsmen that matching may use (index, suggestions, 平台匹配, 清单匹配): 在库 and with the
    consent 公开展示个人档案 in force. Pausing is handled by the index (it is a date, not a right).
    Not scoped on purpose: callers intersect it with what the user may see."""
    return Craftsman.objects.filter(status=CraftsmanStatus.ACTIVE).filter(
        consent_in_force_q(MATCHING_CONSENT)
    )


def matchable_ids(ids: Any) -> set[int]:
    """Those of ``ids`` that :func:`matchable_craftsmen` holds now (one query): matching filters
    its results with it, so a withdrawal counts at once, before any index catches up."""
    wanted = {int(pk) for pk in ids}
    if not wanted:
        return set()
    return set(matchable_craftsmen().filter(pk__in=wanted).values_list("pk", flat=True))


def has_consent(craftsman: Any, purpose: str) -> bool:
    """Whether ``craftsman`` has a consent for ``purpose`` in force (read now, never cached)."""
    if craftsman is None or getattr(craftsman, "pk", None) is None:
        return False
    return Consent.objects.filter(
        craftsman_id=craftsman.pk, purpose=purpose, withdrawn_at__isnull=True
    ).exists()


def consent_refusal(craftsman: Any, purpose: str) -> str:
    """The Chinese reason shown to staff when ``craftsman`` lacks the consent, or ``""``."""
    if has_consent(craftsman, purpose):
        return ""
    return CONSENT_REFUSALS[purpose].replace("该劳模工匠", f"劳模工匠“{craftsman}”", 1)


def craftsman_list(*, user: Any, action: str = "view") -> QuerySet[Craftsman]:
    return Craftsman.objects.visible_to(user, action).select_related("org")


def craftsman_choices_for(*, user: Any) -> QuerySet[Craftsman]:
    """Craftsmen the user may put into a team (visible, not removed)."""
    return (
        Craftsman.objects.visible_to(user, "view")
        .exclude(status="removed")
        .only("pk", "name", "employer_name")
    )


def craftsman_detail_context(*, user: Any, craftsman: Craftsman) -> dict[str, Any]:
    """Children shown on the detail page (teams only as far as the user may see them)."""
    teams = ServiceTeam.objects.visible_to(user, "view").filter(memberships__craftsman=craftsman)
    memberships = (
        TeamMembership.objects.filter(craftsman=craftsman, team__in=teams)
        .select_related("team", "team__org")
        .order_by("team__name")
    )
    return {
        "honours": craftsman.honours.all(),
        "service_items": craftsman.service_items.all(),
        "consents": craftsman.consents.all(),
        "memberships": memberships,
    }


def team_list(*, user: Any, action: str = "view") -> QuerySet[ServiceTeam]:
    return (
        ServiceTeam.objects.visible_to(user, action)
        .select_related("org", "lead")
        .annotate(member_count=Count("memberships"))
    )


def team_members(*, team: ServiceTeam) -> QuerySet[TeamMembership]:
    return (
        TeamMembership.objects.filter(team=team)
        .select_related("craftsman", "craftsman__org")
        .order_by("role", "joined_on", "pk")
    )


# ------------------------------------------------------------------------------------------------
# Cross-unit suggestions (issue 14): who agreed to serve an area, and what others may see of them
# ------------------------------------------------------------------------------------------------


def region_ancestors(region: str) -> list[str]:
    """``440305`` → ``['440000', '440300', '440305']`` (GB/T 2260: province, city, county)."""
    if len(region or "") != 6 or not region.isdigit():
        return []
    codes = [region[:2] + "0000", region[:4] + "00", region]
    return list(dict.fromkeys(codes))


def serviceable_for(demand: Any) -> QuerySet[Craftsman]:
    """Craftsmen of *any* unit who agreed to serve ``demand``'s area: the cross-unit candidate pool.

    This is deliberately not ``visible_to``: it does not widen anybody's data scope. Callers show
    a craftsman outside the user's scope only through :func:`public_profiles` and reach him by an
    offer to his owning unit. Eligible: 在库, not paused, the consent 公开展示个人档案 in force
    (the consent that lets other unions and enterprises see his public profile), and one of

    * a served region covering the demand's region (the county, its city or the province);
    * 接受跨地区服务 — service anywhere in the province of his owning unit;
    * membership of an enabled service team whose unit covers the demand's region (a province team
      serves the province, a city team the city, a county team the county).
    """
    from django.utils import timezone

    from jiangqiao.core.choices import Status

    from .codes import prefix_range_q
    from .models import CraftsmanCode

    region = getattr(demand, "region_code", "") or ""
    ancestors = region_ancestors(region)
    if not ancestors:
        return Craftsman.objects.none()
    served = CraftsmanCode.objects.filter(
        craftsman=OuterRef("pk"), scheme="region", code__in=ancestors
    )
    team = TeamMembership.objects.filter(
        craftsman=OuterRef("pk"),
        team__status=Status.ACTIVE,
        team__org__region_code__in=ancestors,
    )
    province_wide = Q(cross_region_ok=True) & prefix_range_q("org__region_code", region[:2])
    today = timezone.localdate()
    return (
        Craftsman.objects.filter(status=CraftsmanStatus.ACTIVE)
        .filter(Q(pause_until__isnull=True) | Q(pause_until__lt=today))
        .filter(consent_in_force_q(MATCHING_CONSENT))
        .filter(Q(Exists(served)) | province_wide | Q(Exists(team)))
    )


@dataclass(frozen=True)
class PublicProfile:
    """What a user outside a craftsman's unit may see of him (the consent 公开展示个人档案):
    no ID number, no mobile, no e-mail, no address, no bio; no link to his record."""

    pk: int
    name: str
    employer_name: str
    skill_level: str
    honours: tuple[str, ...]
    teams: tuple[str, ...]
    org_name: str


def public_profiles(ids: Any) -> dict[int, PublicProfile]:
    """Public profiles of the craftsmen ``ids`` (3 queries, whatever their number)."""
    from jiangqiao.core.choices import Status
    from jiangqiao.taxonomy.selectors import term_labels

    from .models import Honour

    wanted = sorted({int(pk) for pk in ids})
    if not wanted:
        return {}
    rows = list(
        Craftsman.objects.filter(pk__in=wanted).values(
            "pk", "name", "employer_name", "skill_level", "org__name"
        )
    )
    skill = term_labels("skill_level", {r["skill_level"] for r in rows if r["skill_level"]})
    honour_rows = list(
        Honour.objects.filter(craftsman_id__in=wanted)
        .order_by("craftsman_id", "-year", "pk")
        .values_list("craftsman_id", "year", "honour_type")
    )
    honour_names = term_labels("honour", {code for _, _, code in honour_rows})
    honours: dict[int, list[str]] = {}
    for cid, year, code in honour_rows:
        honours.setdefault(cid, []).append(f"{year} {honour_names.get(code, code)}")
    teams: dict[int, list[str]] = {}
    for cid, name in (
        TeamMembership.objects.filter(craftsman_id__in=wanted, team__status=Status.ACTIVE)
        .order_by("craftsman_id", "team__name")
        .values_list("craftsman_id", "team__name")
    ):
        teams.setdefault(cid, []).append(name)
    return {
        r["pk"]: PublicProfile(
            pk=r["pk"],
            name=r["name"],
            employer_name=r["employer_name"] or "",
            skill_level=skill.get(r["skill_level"], "") if r["skill_level"] else "",
            honours=tuple(honours.get(r["pk"], [])[:5]),
            teams=tuple(teams.get(r["pk"], [])),
            org_name=r["org__name"] or "",
        )
        for r in rows
    }
