"""Filters shared by every app's FilterSet."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet

from .pickers import ObjectChoiceField
from .scope import subtree_q


def visible_orgs(request: Any) -> QuerySet[Any]:
    """Units the requesting user may see: the choices of every organisation filter."""
    from jiangqiao.orgs.models import Organization

    if request is None:
        return Organization.objects.none()
    return Organization.objects.visible_to(request.user).only("pk", "name", "path")


class OrgSubtreeFilter(filters.ModelChoiceFilter):
    """``?org_id=<unit>``: rows owned by the unit or any unit below it (one range query).

    A unit outside the user's scope is not a valid choice (400 in the API, an error on the page).
    On the page the unit is picked by name from the org tree (``core.pickers``), never by id.
    """

    field_class = ObjectChoiceField

    def __init__(self, *, org_field: str = "org", label: str = "所属组织（含下级）", **kwargs: Any):
        self.org_field = org_field
        kwargs.setdefault("kind", "organization")
        super().__init__(label=label, queryset=visible_orgs, method=self.filter_subtree, **kwargs)

    def filter_subtree(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(subtree_q(value.path, field=self.org_field))


#: The periods of :class:`RecentFilter`: value, label, length.
RECENT_PERIODS: tuple[tuple[str, str, Any], ...] = (
    ("24h", "最近24小时", {"hours": 24}),
    ("7d", "最近7天", {"days": 7}),
    ("30d", "最近30天", {"days": 30}),
)


class RecentFilter(filters.ChoiceFilter):
    """``?within=24h|7d|30d``: rows whose ``field_name`` (a date-time) lies in the last 24 hours,
    7 or 30 days, counted back from the moment of the request (a date filter cannot say
    “the last 24 hours”). The home panels count with the same filter as the lists they link to."""

    def __init__(self, *, field_name: str = "time", label: str = "时间范围", **kwargs: Any):
        self.time_field = field_name
        super().__init__(
            label=label,
            choices=[(value, text) for value, text, _ in RECENT_PERIODS],
            method=self.filter_recent,
            **kwargs,
        )

    def filter_recent(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        from datetime import timedelta

        from django.utils import timezone

        span = next((length for key, _, length in RECENT_PERIODS if key == value), None)
        if span is None:  # pragma: no cover - the choice field refuses other values
            return queryset
        return queryset.filter(**{f"{self.time_field}__gte": timezone.now() - timedelta(**span)})
