"""Reads of the organisation tree; every function takes the requesting user and is scoped."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiangqiao.core.choices import Status

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
