"""Filter panels and API filters for craftsmen and service teams.

Industry, region and occupation filters select the whole subtree of the chosen code through an
indexed range on ``CraftsmanCode`` (see ``codes.py``); text search runs over the normalised
``search_text`` column.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet

from jiangqiao.core.choices import Status
from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.pickers import ObjectFilter
from jiangqiao.core.search import SEARCH_MAX, substring_search
from jiangqiao.taxonomy.filters import TermFilter

from .choices import CraftsmanStatus, Gender, TeamLevel
from .codes import code_exists_q, code_key, prefix_range_q
from .models import Craftsman, Honour, ServiceTeam


class CraftsmanFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    industry = TermFilter("industry", label="行业（含下级）", method="filter_industry")
    region = TermFilter("region", label="服务地区（含下级）", method="filter_region")
    occupation = TermFilter("occupation", label="职业（含下级）", method="filter_occupation")
    org_id = OrgSubtreeFilter()
    status = filters.ChoiceFilter(label="状态", choices=CraftsmanStatus.choices)
    skill_level = TermFilter("skill_level", label="技能等级", method="filter_skill_level")
    skill_level_min = TermFilter(
        "skill_level", label="技能等级不低于", method="filter_skill_level_min"
    )
    skill_post = TermFilter("skill_post", label="技能岗位", method="filter_skill_post")
    honour = TermFilter("honour", label="荣誉称号", method="filter_honour")
    honour_level = TermFilter("honour_level", label="荣誉级别", method="filter_honour_level")
    service_mode = TermFilter("service_mode", label="服务方式", method="filter_mode")
    service_type = TermFilter("service_type", label="服务类型", method="filter_service_type")
    gender = filters.ChoiceFilter(label="性别", choices=Gender.choices)
    created_after = filters.DateFilter(
        label="登记日期起",
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = filters.DateFilter(
        label="登记日期止",
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Craftsman
        fields = [
            "q",
            "industry",
            "region",
            "occupation",
            "org_id",
            "status",
            "skill_level",
            "skill_level_min",
            "skill_post",
            "honour",
            "honour_level",
            "service_mode",
            "service_type",
            "gender",
            "created_after",
            "created_before",
        ]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return substring_search(queryset, value)

    def filter_industry(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(code_exists_q("industry", value)) if value else queryset

    def filter_region(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(code_exists_q("region", value)) if value else queryset

    def filter_occupation(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(code_exists_q("occupation", value)) if value else queryset

    def filter_mode(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(code_exists_q("mode", value)) if value else queryset

    def filter_service_type(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        return queryset.filter(code_exists_q("service_type", value)) if value else queryset

    def filter_skill_level(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        return queryset.filter(skill_level=value) if value else queryset

    def filter_skill_level_min(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        # Compare by seniority rank, never by the inverted national "几级" number.
        from jiangqiao.taxonomy.selectors import get_term

        term = get_term("skill_level", value) if value else None
        if term is None or term.rank is None:
            return queryset
        return queryset.filter(skill_rank__gte=term.rank)

    def filter_skill_post(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        return queryset.filter(skill_post=value) if value else queryset

    def filter_honour(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        if not value:
            return queryset
        honours = Honour.objects.filter(craftsman_id=OuterRef("pk"), honour_type=value)
        return queryset.filter(Exists(honours))

    def filter_honour_level(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        if not value:
            return queryset
        return queryset.filter(
            Exists(Honour.objects.filter(craftsman_id=OuterRef("pk"), level=value))
        )


class ServiceTeamFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    level = filters.ChoiceFilter(label="层级", choices=TeamLevel.choices)
    status = filters.ChoiceFilter(label="状态", choices=Status.choices)
    industry = TermFilter("industry", label="行业方向（含下级）", method="filter_industry")
    org_id = OrgSubtreeFilter()
    member_id = ObjectFilter("craftsman", label="成员", method="filter_member")

    class Meta:
        model = ServiceTeam
        fields = ["q", "level", "status", "industry", "org_id", "member_id"]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        from jiangqiao.text import normalize

        value = normalize(value)
        return queryset.filter(name__icontains=value) if value else queryset

    def filter_industry(self, queryset: QuerySet[Any], name: str, value: str) -> Any:
        if not value:
            return queryset
        key = code_key("industry", value)
        if key is None:
            return queryset.none()
        return queryset.filter(prefix_range_q("industry_key", key))

    def filter_member(self, queryset: QuerySet[Any], name: str, value: Any) -> Any:
        if value is None:
            return queryset
        return queryset.filter(memberships__craftsman_id=getattr(value, "pk", value))
