from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import Q, QuerySet

from jiangqiao.core.choices import Status
from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.pickers import ObjectFilter

from .choices import OrgLevel
from .models import Organization


class OrganizationFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="search", max_length=50)
    level = filters.ChoiceFilter(label="层级", choices=OrgLevel.choices)
    status = filters.ChoiceFilter(label="状态", choices=Status.choices)
    region_code = filters.CharFilter(label="行政区划代码", method="filter_region", max_length=6)
    parent_id = ObjectFilter("organization", label="上级组织", field_name="parent")
    ancestor_id = OrgSubtreeFilter(org_field="")

    class Meta:
        model = Organization
        fields = ["q", "level", "status", "region_code", "parent_id", "ancestor_id"]

    def search(self, queryset: QuerySet[Organization], name: str, value: str) -> QuerySet[Any]:
        from jiangqiao.text import normalize

        value = normalize(value)
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(short_name__icontains=value)
            | Q(uscc__iexact=value.upper())
            | Q(region_code__startswith=value)
        )

    def filter_region(self, queryset: QuerySet[Organization], name: str, value: str) -> Any:
        # A region code covers its subregions: 440000 → 44xxxx, 440300 → 4403xx.
        prefix = value.strip()
        while len(prefix) > 2 and prefix.endswith("00"):
            prefix = prefix[:-2]
        return queryset.filter(region_code__startswith=prefix)
