"""Reads of the collection campaigns (征集活动); every staff read takes the requesting user.

Counting rule (docs/intake.md “征集活动”): a campaign's 已征集 is the number of its demands that
were submitted on or before its deadline and are neither withdrawn nor cancelled. Drafts are
counted apart. The figures are counts only; the demands themselves are listed through the scope
chokepoint (an enterprise of another unit's area that answered the campaign is counted, not shown).

The public link is the one read that is not scoped by user: the unguessable token is the
capability (as the academy's registration link), and a draft campaign answers like a wrong link.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from jiangqiao.core.scope import subtree_q

from .choices import NOT_COLLECTED, DemandStatus
from .choices_campaigns import CampaignStatus
from .models import Demand
from .models_campaigns import Campaign

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{10,32}$")


def counted_q(prefix: str = "demands__", deadline: Any = None) -> Q:
    """Demands that count towards a campaign (``prefix`` leads from the queried model to them)."""
    return (
        Q(**{f"{prefix}submitted_at__isnull": False})
        & Q(**{f"{prefix}submitted_at__date__lte": deadline or F("deadline")})
        & ~Q(**{f"{prefix}status__in": NOT_COLLECTED})
    )


def with_counts(qs: QuerySet[Campaign]) -> QuerySet[Campaign]:
    return qs.annotate(
        submitted_count=Count("demands", filter=counted_q()),
        draft_count=Count("demands", filter=Q(demands__status=DemandStatus.DRAFT)),
    )


def campaign_list(*, user: Any, action: str = "view") -> QuerySet[Campaign]:
    return with_counts(Campaign.objects.visible_to(user, action).select_related("org"))


def campaign_figures(campaign: Campaign) -> dict[str, Any]:
    """已征集, drafts, target and progress of one campaign."""
    demands = Demand.objects.filter(campaign=campaign)
    submitted = demands.filter(counted_q("", campaign.deadline)).count()
    drafts = demands.filter(status=DemandStatus.DRAFT).count()
    target = campaign.target_count or 0
    return {
        "submitted": submitted,
        "drafts": drafts,
        "target": target,
        "percent": min(100, round(submitted * 100 / target)) if target else 0,
    }


def campaign_demands(*, user: Any, campaign: Campaign) -> QuerySet[Demand]:
    """The campaign's demands the user may see (newest first)."""
    return (
        Demand.objects.visible_to(user, "view")
        .filter(campaign=campaign)
        .select_related("enterprise")
        .order_by("-created_at", "-pk")
    )


def campaign_by_token(token: str) -> Campaign | None:
    """The published campaign of a public link (``None`` for a wrong token or a draft)."""
    if not token or not _TOKEN.match(token):
        return None
    return (
        Campaign.objects.select_related("org")
        .exclude(status=CampaignStatus.DRAFT)
        .filter(token=token)
        .first()
    )


def my_campaign_drafts(*, user: Any, campaign: Campaign) -> QuerySet[Demand]:
    """Drafts the user saved through the campaign (kept after it closes)."""
    return Demand.objects.visible_to(user, "view").filter(
        campaign=campaign, status=DemandStatus.DRAFT
    )


def _figures(campaigns: QuerySet[Campaign]) -> dict[str, int]:
    agg = campaigns.aggregate(
        campaigns=Count("pk"),
        open=Count("pk", filter=Q(status=CampaignStatus.OPEN)),
        target=Sum("target_count"),
    )
    submitted = (
        Demand.objects.filter(campaign__in=campaigns.values("pk"))
        .filter(counted_q("", F("campaign__deadline")))
        .count()
    )
    return {
        "campaigns": agg["campaigns"] or 0,
        "open": agg["open"] or 0,
        "target": agg["target"] or 0,
        "submitted": submitted,
    }


def campaign_rollup(*, user: Any, unit: Any) -> dict[str, Any]:
    """Campaigns of ``unit`` and below, rolled up: the unit's own (本级), each unit directly below
    it with everything under that one, and the total. Only campaigns the user sees count."""
    from jiangqiao.orgs.selectors import organization_children

    visible = Campaign.objects.visible_to(user, "view")
    rows = [{"unit": unit, "own": True, **_figures(visible.filter(org=unit))}]
    for child in organization_children(user=user, org=unit).order_by("sort", "pk"):
        figures = _figures(visible.filter(subtree_q(child.path, field="org")))
        if figures["campaigns"]:
            rows.append({"unit": child, "own": False, **figures})
    total = _figures(visible.filter(subtree_q(unit.path, field="org")))
    return {"unit": unit, "rows": rows, "total": total}
