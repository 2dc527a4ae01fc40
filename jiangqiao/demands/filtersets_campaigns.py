"""Filters of the campaign list (page and API share them)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import Q, QuerySet

from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.search import SEARCH_MAX

from .choices_campaigns import CampaignStatus
from .models_campaigns import Campaign


class CampaignFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="活动名称", method="search", max_length=SEARCH_MAX)
    status = filters.ChoiceFilter(label="状态", choices=CampaignStatus.choices)
    org_id = OrgSubtreeFilter(label="发起单位（含下级）")

    class Meta:
        model = Campaign
        fields = ["q", "status", "org_id"]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return queryset.filter(Q(title__icontains=value)) if value else queryset
