"""Filter panels and API filters of competitions and innovation activities."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet

from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.pickers import ObjectFilter
from jiangqiao.core.search import SEARCH_MAX
from jiangqiao.taxonomy.filters import TermFilter

from .choices import CompetitionLevel, CompetitionStatus, InnovationKind, InnovationStatus
from .models import Competition, Innovation
from .selectors import HELD, search_q


class CompetitionFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    level = filters.ChoiceFilter(label="赛事级别", choices=CompetitionLevel.choices)
    status = filters.ChoiceFilter(label="状态", choices=CompetitionStatus.choices)
    occupation = TermFilter("occupation", label="竞赛职业（工种）")
    academy_id = ObjectFilter("academy", label="承办学院", field_name="academy")
    class_id = ObjectFilter("training_class", label="赛前培训班次", field_name="classes")
    start_from = filters.DateFilter(label="比赛日期起", field_name="start_date", lookup_expr="gte")
    start_to = filters.DateFilter(label="比赛日期止", field_name="start_date", lookup_expr="lte")
    held = filters.BooleanFilter(
        label="已举办",
        method="filter_held",
        widget=forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")]),
    )
    org_id = OrgSubtreeFilter()

    class Meta:
        model = Competition
        fields = [
            "q",
            "level",
            "status",
            "occupation",
            "academy_id",
            "class_id",
            "start_from",
            "start_to",
            "held",
            "org_id",
        ]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(search_q(value, "title", "venue", "description"))

    def filter_held(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """Held (比赛中/评分中/已公布): the competitions 竞赛场次 counts."""
        if value is None:
            return queryset
        return queryset.filter(status__in=HELD) if value else queryset.exclude(status__in=HELD)


class InnovationFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    kind = filters.ChoiceFilter(label="类型", choices=InnovationKind.choices)
    status = filters.ChoiceFilter(label="状态", choices=InnovationStatus.choices)
    academy_id = ObjectFilter("academy", label="所属学院", field_name="academy")
    lead_id = ObjectFilter("craftsman", label="领衔人", field_name="lead")
    adopted = filters.BooleanFilter(label="已采纳/推广")
    start_from = filters.DateFilter(label="开始日期起", field_name="start_date", lookup_expr="gte")
    start_to = filters.DateFilter(label="开始日期止", field_name="start_date", lookup_expr="lte")
    org_id = OrgSubtreeFilter()

    class Meta:
        model = Innovation
        fields = [
            "q",
            "kind",
            "status",
            "academy_id",
            "lead_id",
            "adopted",
            "start_from",
            "start_to",
            "org_id",
        ]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(search_q(value, "title", "studio_name", "outcome"))
