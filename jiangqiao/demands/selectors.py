"""Reads of the enterprise and demand pool; every function takes the requesting user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiangqiao.core.choices import Status

from .models import Demand, DemandAttachment, DemandEvent, Enterprise


def enterprise_list(*, user: Any, action: str = "view") -> QuerySet[Enterprise]:
    return Enterprise.objects.visible_to(user, action).select_related("org")


def enterprise_choices_for(*, user: Any) -> QuerySet[Enterprise]:
    """Enabled enterprises the user may file demands for (an enterprise contact: their own)."""
    return (
        Enterprise.objects.visible_to(user, "view")
        .filter(status=Status.ACTIVE)
        .order_by("name", "pk")
    )


def demand_list(*, user: Any, action: str = "view") -> QuerySet[Demand]:
    return Demand.objects.visible_to(user, action).select_related("enterprise", "org")


def enterprise_demands(*, user: Any, enterprise: Enterprise) -> QuerySet[Demand]:
    return demand_list(user=user).filter(enterprise=enterprise)


def demand_events(*, user: Any, demand: Demand) -> QuerySet[DemandEvent]:
    """Status history of a demand the user can see (empty otherwise)."""
    if not Demand.objects.visible_to(user, "view").filter(pk=demand.pk).exists():
        return DemandEvent.objects.none()
    return DemandEvent.objects.filter(demand=demand).order_by("at", "pk")


def attachment_list(*, user: Any, action: str = "view") -> QuerySet[DemandAttachment]:
    """Attachments within the user's scope (the demand's, or the demand he serves)."""
    return DemandAttachment.objects.visible_to(user, action).select_related("demand")


def demand_attachments(*, user: Any, demand: Demand) -> QuerySet[DemandAttachment]:
    return attachment_list(user=user).filter(demand=demand).select_related("created_by")
