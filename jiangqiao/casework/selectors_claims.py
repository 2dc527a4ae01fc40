"""Reads of the claim list, claims, direct requests and assignments (see ``claims.py``).

The public list is the one deliberate cross-unit read: ``published_cards`` turns each listed
demand into a ``PublicDemand`` holding only what may be shown anonymised, and templates and the API
render that card, never the demand — so the enterprise's name, USCC, address, contacts and the
owning unit cannot reach the page by accident.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from jiangqiao.demands.choices import DeliveryMode, DemandKind, DemandStatus, SizeClass
from jiangqiao.demands.models import Demand
from jiangqiao.taxonomy.selectors import term_label

from . import claims, lifecycle
from .choices import OfferStatus
from .choices_claims import ClaimStatus
from .models import Claim, Offer, Publication, QualityReview


def may_browse(user: Any) -> bool:
    """Craftsmen and team leads (who may claim) and staff who publish may read the list."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.has_perm("casework.add_claim") or user.has_perm("casework.publish_demand"))
    )


@dataclass(frozen=True)
class PublicDemand:
    pk: int
    number: str
    title: str
    kind: str
    category: str
    industries: list[str]
    region: str
    size: str
    delivery_mode: str
    description: str
    current_state: str
    desired_outcome: str
    trainee_count: int | None
    deadline: dt.date | None
    published_at: dt.datetime | None
    expires_on: dt.date | None
    #: The publication's quality score of 20 (None for listings scored on the old 0–5 scale).
    quality: int | None = None


def _region_label(code: str) -> str:
    """Province / city / county names of a GB/T 2260 code (e.g. 广东省 深圳市 南山区)."""
    if not code:
        return ""
    parts = []
    for prefix in (code[:2] + "0000", code[:4] + "00", code):
        label = term_label("region", prefix)
        if label and label not in parts:
            parts.append(label)
    return " ".join(parts) or code


def public_card(demand: Demand, publication: Publication | None = None) -> PublicDemand:
    codes = list(demand.industry_codes or [])
    if not codes and demand.enterprise.industry_code:
        codes = [demand.enterprise.industry_code]
    size = demand.enterprise.size_class
    return PublicDemand(
        pk=demand.pk,
        number=demand.number or "",
        title=demand.title,
        kind=DemandKind(demand.kind).label if demand.kind in DemandKind.values else "",
        category=term_label("demand_category", demand.category) if demand.category else "",
        industries=[term_label("industry", c, c) for c in codes],
        region=_region_label(demand.region_code),
        size=SizeClass(size).label if size in SizeClass.values else "",
        delivery_mode=DeliveryMode(demand.delivery_mode).label
        if demand.delivery_mode in DeliveryMode.values
        else "",
        description=demand.description,
        current_state=demand.current_state,
        desired_outcome=demand.desired_outcome,
        trainee_count=demand.trainee_count,
        deadline=demand.deadline,
        published_at=publication.published_at if publication else None,
        expires_on=publication.expires_on if publication else None,
        quality=publication.quality_score
        if publication and publication.clarity_score is not None
        else None,
    )


def published_demands(*, user: Any) -> QuerySet[Demand]:
    if not may_browse(user):
        return Demand.objects.none()
    return (
        claims.listed_demands().select_related("enterprise").order_by("-status_changed_at", "-pk")
    )


def published_cards(demands: Any) -> list[PublicDemand]:
    rows = list(demands)
    pubs = {
        p.demand_id: p
        for p in Publication.objects.filter(
            demand_id__in=[d.pk for d in rows], ended_at__isnull=True
        )
    }
    return [public_card(d, pubs.get(d.pk)) for d in rows]


def published_card(*, user: Any, pk: int) -> PublicDemand | None:
    demand = published_demands(user=user).filter(pk=pk).first()
    if demand is None:
        return None
    return published_cards([demand])[0]


def my_claim_status(*, user: Any, demand_ids: list[int]) -> dict[int, str]:
    """The user's pending claims among ``demand_ids`` (for a "已认领" badge)."""
    return dict(
        Claim.objects.filter(
            claimant=user, demand_id__in=demand_ids, status=ClaimStatus.PENDING
        ).values_list("demand_id", "status")
    )


def claim_queue(*, user: Any) -> QuerySet[Claim]:
    """Claims on demands in the user's scope, pending first, then the newest."""
    return (
        Claim.objects.visible_to(user, "view")
        .select_related("demand", "craftsman", "team", "team__lead", "decided_by")
        .annotate(
            pending_first=Case(
                When(status=ClaimStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "-created_at", "-pk")
    )


def my_claims(*, user: Any) -> QuerySet[Claim]:
    if not getattr(user, "is_authenticated", False):
        return Claim.objects.none()
    return (
        Claim.objects.filter(claimant=user)
        .select_related("demand", "craftsman", "team", "offer")
        .order_by("-created_at", "-pk")
    )


def panel(*, user: Any, demand: Demand) -> dict[str, Any]:
    """What the demand page's 认领与指派 block shows to staff who may change the demand."""
    from jiangqiao.talents.models import Craftsman

    staff = (
        user.has_perm("casework.assign_offer") or user.has_perm("casework.publish_demand")
    ) and Demand.objects.visible_to(user, "change").filter(pk=demand.pk).exists()
    if not staff:
        return {"claims_staff": False}
    may_offer = lifecycle.target(demand.status, "offer") is not None
    publication = Publication.objects.filter(demand=demand, ended_at__isnull=True).first()
    report = claims.quality_check(demand)
    today = timezone.localdate()
    preferred_ids = [int(i) for i in (demand.preferred_craftsmen or [])]
    visible = {
        c.pk: c for c in Craftsman.objects.visible_to(user, "view").filter(pk__in=preferred_ids)
    }
    offered = dict(
        Offer.objects.filter(demand=demand, craftsman_id__in=preferred_ids)
        .order_by("offered_at")
        .values_list("craftsman_id", "status")
    )
    preferred = [
        {
            "id": cid,
            "craftsman": visible.get(cid),  # None: outside the scope, shown by ID only
            "offer_status": offered.get(cid, ""),
            "offer_label": OfferStatus(offered[cid]).label if cid in offered else "",
        }
        for cid in preferred_ids
    ]
    return {
        "claims_staff": True,
        "publication": publication,
        "quality": report,
        "may_publish": user.has_perm("casework.publish_demand")
        and lifecycle.target(demand.status, "publish") is not None,
        "may_unpublish": user.has_perm("casework.publish_demand")
        and lifecycle.target(demand.status, "unpublish") is not None,
        "may_return": user.has_perm("demands.triage_demand")
        and lifecycle.target(demand.status, "return") is not None,
        "may_renew": publication is not None
        and user.has_perm("casework.publish_demand")
        and demand.status == DemandStatus.PUBLISHED,
        "renewals_max": claims.renewals_max(),
        "renew_default": min(
            publication.expires_on + dt.timedelta(days=claims.publish_days()),
            today + dt.timedelta(days=claims.PUBLISH_DAYS_MAX),
        )
        if publication
        else None,
        "reviews": list(
            QualityReview.objects.filter(demand=demand)
            .select_related("created_by")
            .order_by("-created_at", "-pk")[:6]
        ),
        "default_expiry": claims.default_expiry(),
        "max_expiry": today + dt.timedelta(days=claims.PUBLISH_DAYS_MAX),
        "preferred": preferred,
        "may_offer": may_offer and user.has_perm("casework.assign_offer"),
        "demand_claims": list(
            Claim.objects.filter(demand=demand)
            .select_related("craftsman", "team")
            .order_by("-created_at")[:50]
        )
        if user.has_perm("casework.decide_claim")
        else [],
    }
