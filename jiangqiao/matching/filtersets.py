"""Filters of the matching lists (pages and API share them)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet

from jiangqiao.core.choices import Status
from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.pickers import ObjectFilter
from jiangqiao.core.search import SEARCH_MAX, substring_search
from jiangqiao.demands.choices import DemandKind, DemandStatus
from jiangqiao.demands.filtersets import region_subtree_q
from jiangqiao.demands.models import Demand, DemandCode
from jiangqiao.taxonomy.filters import TermFilter

from .choices import RunStatus, SuggestionSource, SuggestionStatus
from .models import DeclaredConflict, MatchRun, MatchSuggestion

#: Demands lined up on 清单匹配 unless a status is chosen.
MATCHLIST_DEFAULT_STATUSES = (
    DemandStatus.SUBMITTED,
    DemandStatus.TRIAGED,
    DemandStatus.PUBLISHED,
    DemandStatus.MATCHING,
)


class SuggestionFilterSet(filters.FilterSet):
    demand_id = ObjectFilter("demand", label="需求", field_name="demand")
    craftsman_id = ObjectFilter("craftsman", label="劳模工匠", field_name="craftsman")
    # Set by the link on a platform run's page, never typed.
    run_id = filters.NumberFilter(
        label="平台匹配批次", field_name="run_id", widget=forms.HiddenInput
    )
    status = filters.ChoiceFilter(label="状态", choices=SuggestionStatus.choices)
    source = filters.ChoiceFilter(label="来源", choices=SuggestionSource.choices)
    org_id = OrgSubtreeFilter(org_field="demand__org", label="需求负责工会（含下级）")

    class Meta:
        model = MatchSuggestion
        fields = ["demand_id", "craftsman_id", "run_id", "status", "source", "org_id"]


class RunFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(label="状态", choices=RunStatus.choices)
    org_id = OrgSubtreeFilter()

    class Meta:
        model = MatchRun
        fields = ["status", "org_id"]


class ConflictFilterSet(filters.FilterSet):
    craftsman_id = ObjectFilter("craftsman", label="劳模工匠", field_name="craftsman")
    enterprise_id = ObjectFilter("enterprise", label="企业", field_name="enterprise")
    status = filters.ChoiceFilter(label="状态", choices=Status.choices)
    org_id = OrgSubtreeFilter(org_field="craftsman__org", label="劳模工匠所属工会（含下级）")

    class Meta:
        model = DeclaredConflict
        fields = ["craftsman_id", "enterprise_id", "status", "org_id"]


class MatchListFilterSet(filters.FilterSet):
    """清单匹配: which demands to line up (industry and region subtrees, text, status)."""

    q = filters.CharFilter(label="关键字", method="search", max_length=SEARCH_MAX)
    industry = TermFilter("industry", label="行业（含下级）", method="filter_industry")
    region = TermFilter("region", label="服务地点（含下级）", method="filter_region")
    kind = filters.ChoiceFilter(label="需求类型", choices=DemandKind.choices)
    status = filters.ChoiceFilter(
        label="需求状态",
        choices=DemandStatus.choices,
        method="filter_status",
        empty_label="待匹配（已提交至匹配中）",
    )
    org_id = OrgSubtreeFilter()

    class Meta:
        model = Demand
        fields = ["q", "industry", "region", "kind", "status", "org_id"]

    @property
    def qs(self) -> QuerySet[Any]:
        queryset = super().qs
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("status")):
            queryset = queryset.filter(status__in=MATCHLIST_DEFAULT_STATUSES)
        return queryset

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return substring_search(queryset, value)

    def filter_industry(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        codes = DemandCode.objects.filter(scheme="industry", code=value, demand=OuterRef("pk"))
        return queryset.filter(Exists(codes))

    def filter_region(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(region_subtree_q(value)) if value else queryset

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(status=value) if value else queryset
