"""Reads of the talents app; every function takes the requesting user and is scoped."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from .models import Craftsman, ServiceTeam, TeamMembership


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
