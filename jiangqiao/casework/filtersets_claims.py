"""Filters of the claim list (pages and API share them): industry, region and kind only.

There is deliberately no free-text search: the demand's search text holds the enterprise's name,
and a search box on an anonymised list would let anyone probe which enterprise asked for help.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import Exists, OuterRef, QuerySet

from jiangqiao.demands.choices import DemandKind
from jiangqiao.demands.filtersets import industry_subtree_q, region_subtree_q
from jiangqiao.demands.models import Demand, DemandCode
from jiangqiao.taxonomy.filters import TermFilter

from .choices_claims import ClaimStatus
from .models import Claim


class PublishedDemandFilterSet(filters.FilterSet):
    industry = TermFilter("industry", label="行业（含下级）", method="filter_industry")
    region = TermFilter("region", label="服务地点（含下级）", method="filter_region")
    kind = filters.ChoiceFilter(label="需求类型", choices=DemandKind.choices)

    class Meta:
        model = Demand
        fields = ["industry", "region", "kind"]

    def filter_industry(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """The demand's own industries (with their ancestors), or its enterprise's industry."""
        if not value:
            return queryset
        codes = DemandCode.objects.filter(scheme="industry", code=value, demand=OuterRef("pk"))
        return queryset.filter(
            Exists(codes) | industry_subtree_q(value, field="enterprise__industry_code")
        )

    def filter_region(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(region_subtree_q(value)) if value else queryset


class ClaimFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(label="状态", choices=ClaimStatus.choices)

    class Meta:
        model = Claim
        fields = ["status"]
