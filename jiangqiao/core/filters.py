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
