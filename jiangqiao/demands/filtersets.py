"""Filters of the enterprise and demand lists (pages and API share them).

Indexed on SQLite and PostgreSQL alike:

* **region subtree** — ``region_code`` is a six-digit GB/T 2260 code; ``440300`` covers
  ``440300..440399``: a closed range ``[prefix+'0000', prefix+'9999']`` on the b-tree index of
  ``region_code`` (digits only and fixed length, so every collation orders them the same way);
* **industry subtree** (demands) — an equality on ``DemandCode(scheme, code)``: each chosen
  industry is stored together with its ancestors, so “C34” matches demands filed under 3461;
* **org subtree** — ``core.filters.OrgSubtreeFilter`` (range on the organisation path);
* **text** — ``search_text LIKE '%key%'`` where ``key`` is ``jiangqiao.text.search_key(q)`` (the
  column holds the same normalised, case-folded text); on PostgreSQL a GIN index of character
  n-grams answers it for keys of any length (``core.search``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from jiangqiao.core.choices import Status
from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.pickers import ObjectFilter
from jiangqiao.core.search import SEARCH_MAX, substring_search
from jiangqiao.core.workdays import CALENDAR_TZ, age_cutoff
from jiangqiao.taxonomy.codelists import DEMAND_CATEGORIES, QUALITY_TIERS
from jiangqiao.taxonomy.filters import TermFilter
from jiangqiao.text import search_key

from .choices import (
    NOT_COLLECTED,
    STAGE_STATUSES,
    Channel,
    DemandKind,
    DemandStage,
    DemandStatus,
    Grade,
    OwnerLevel,
    SizeClass,
)
from .models import Demand, DemandCode, Enterprise
from .sizing import _SECTION_RANGES


def region_prefix(code: str) -> str:
    """``440000`` → ``44``, ``440300`` → ``4403``, ``440305`` → ``440305``."""
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def region_subtree_q(code: str, field: str = "region_code") -> Q:
    prefix = region_prefix(code)
    return Q(**{f"{field}__gte": prefix.ljust(6, "0"), f"{field}__lte": prefix.ljust(6, "9")})


def industry_subtree_q(code: str, field: str = "industry_code") -> Q:
    """Single-column industry subtree (enterprises): the code itself or codes below it."""
    if code.isalpha():
        q = Q(**{field: code})
        for letter, low, high in _SECTION_RANGES:
            if letter == code:
                for division in range(low, high + 1):
                    q |= Q(**{f"{field}__startswith": f"{division:02d}"})
        return q
    return Q(**{f"{field}__startswith": code})


def start_of_day(day: dt.date) -> dt.datetime:
    """00:00 Asia/Shanghai of ``day``: a date bound as a range on the indexed timestamp."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=CALENDAR_TZ)


def age_q(
    *,
    min_age: int | None = None,
    max_age: int | None = None,
    today: dt.date | None = None,
    field: str = "status_changed_at",
) -> Q:
    """Demands that have been ``min_age``..``max_age`` working days (inclusive) in their state.

    Age is ``core.workdays.workdays_between(status_changed_at, today)``; each bound becomes one
    range on the timestamp (``core.workdays.age_cutoff``), so the database never counts days row
    by row. A demand without a change time counts as 0 days old.
    """
    today = today or timezone.localdate()
    q = Q()
    if min_age is not None and min_age > 0:
        cutoff = age_cutoff(today, min_age)
        q &= Q(**{f"{field}__lt": cutoff})
    if max_age is not None:
        cutoff = age_cutoff(today, max_age + 1)
        q &= Q(**{f"{field}__gte": cutoff}) | Q(**{f"{field}__isnull": True})
    return q


#: The value of a breakdown filter that selects the rows with nothing filled in (未填写).
UNFILLED = "-"

YES_NO = forms.Select(choices=[("", "不限"), ("true", "是"), ("false", "否")])


def day_range_filters(field: str, label: str) -> tuple[filters.DateFilter, filters.DateFilter]:
    """A pair of date filters (from, to; days inclusive, Asia/Shanghai) on the timestamp
    ``field``, each one bound on the indexed column."""

    def after(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(**{f"{field}__gte": start_of_day(value)}) if value else queryset

    def before(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(**{f"{field}__lt": start_of_day(value + dt.timedelta(days=1))})

    widget = forms.DateInput(attrs={"type": "date"})
    return (
        filters.DateFilter(label=f"{label}起", method=after, widget=widget),
        filters.DateFilter(label=f"{label}止", method=before, widget=widget),
    )


class EnterpriseBreakdownFilterSet(filters.FilterSet):
    """The breakdowns of the campaign's figures by the enterprise served (docs/kpi.md §6), as
    filters of the lists behind them: 门类 of its industry, the 地市 of its region, its size and
    quality tier. ``-`` selects the rows with the attribute not filled in. Subclasses name the
    path to the enterprise (``enterprise_path``)."""

    enterprise_path = "enterprise__"

    ent_industry = filters.CharFilter(
        label="企业行业门类",
        method="filter_ent_industry",
        max_length=1,
        validators=[RegexValidator(r"^[A-T-]$", "请填写行业门类字母（A–T）")],
    )
    ent_region = filters.CharFilter(
        label="企业所在地市",
        method="filter_ent_region",
        max_length=6,
        validators=[RegexValidator(r"^(-|\d{4}00)$", "请填写地市的六位行政区划代码")],
    )
    ent_size = filters.ChoiceFilter(
        label="企业规模",
        method="filter_ent_size",
        choices=[*SizeClass.choices, (UNFILLED, "未划型")],
    )
    ent_tier = filters.ChoiceFilter(
        label="企业梯度",
        method="filter_ent_tier",
        choices=[*((e.code, e.name) for e in QUALITY_TIERS), (UNFILLED, "未填写")],
    )

    def _field(self, name: str) -> str:
        return f"{self.enterprise_path}{name}"

    def _blank(self, name: str) -> Q:
        field = self._field(name)
        return Q(**{field: ""}) | Q(**{f"{field}__isnull": True})

    def filter_ent_industry(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        if value == UNFILLED:
            return queryset.filter(self._blank("industry_code"))
        return queryset.filter(industry_subtree_q(value, field=self._field("industry_code")))

    def filter_ent_region(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        field = self._field("region_code")
        if value == UNFILLED:
            return queryset.filter(self._blank("region_code"))
        city = value[:4]
        return queryset.filter(**{f"{field}__gte": f"{city}00", f"{field}__lte": f"{city}99"})

    def filter_ent_size(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        if value == UNFILLED:
            return queryset.filter(self._blank("size_class"))
        return queryset.filter(**{self._field("size_class"): value})

    def filter_ent_tier(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        if value == UNFILLED:
            return queryset.filter(self._blank("quality_tier"))
        return queryset.filter(**{self._field("quality_tier"): value})


_CATEGORY_CHOICES = [(e.code, e.name) for e in DEMAND_CATEGORIES if not e.parent_code]
_SUBCATEGORY_CHOICES = [(e.code, e.name) for e in DEMAND_CATEGORIES if e.parent_code]


class EnterpriseFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="search", max_length=SEARCH_MAX)
    industry = TermFilter("industry", label="行业（含下级）", method="filter_industry")
    region = TermFilter("region", label="地区（含下级）", method="filter_region")
    org_id = OrgSubtreeFilter()
    size_class = filters.ChoiceFilter(label="企业规模", choices=SizeClass.choices)
    quality_tier = filters.ChoiceFilter(
        label="优质中小企业梯度", choices=[(e.code, e.name) for e in QUALITY_TIERS]
    )
    has_union = filters.BooleanFilter(
        label="已建工会",
        widget=forms.Select(choices=[("", "不限"), ("true", "是"), ("false", "否")]),
    )
    status = filters.ChoiceFilter(label="状态", choices=Status.choices)

    class Meta:
        model = Enterprise
        fields = [
            "q",
            "industry",
            "region",
            "org_id",
            "size_class",
            "quality_tier",
            "has_union",
            "status",
        ]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return substring_search(queryset, value)

    def filter_industry(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(industry_subtree_q(value)) if value else queryset

    def filter_region(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(region_subtree_q(value)) if value else queryset


class DemandFilterSet(EnterpriseBreakdownFilterSet):
    q = filters.CharFilter(label="关键字", method="search", max_length=SEARCH_MAX)
    industry = TermFilter("industry", label="行业（含下级）", method="filter_industry")
    region = TermFilter("region", label="服务地点（含下级）", method="filter_region")
    org_id = OrgSubtreeFilter()
    enterprise_id = ObjectFilter("enterprise", label="企业", field_name="enterprise")
    kind = filters.ChoiceFilter(label="需求类型", choices=DemandKind.choices)
    category = filters.ChoiceFilter(label="需求类别", choices=_CATEGORY_CHOICES)
    subcategory = filters.ChoiceFilter(label="需求子类", choices=_SUBCATEGORY_CHOICES)
    grade = filters.ChoiceFilter(label="分级", choices=Grade.choices)
    status = filters.MultipleChoiceFilter(label="状态", choices=DemandStatus.choices)
    owner_level = filters.ChoiceFilter(label="承办层级", choices=OwnerLevel.choices)
    channel = filters.ChoiceFilter(label="来源渠道", choices=Channel.choices)
    tag = filters.CharFilter(label="专长标签", method="filter_tag", max_length=20)
    created_after = filters.DateFilter(
        label="创建日期起",
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = filters.DateFilter(
        label="创建日期止",
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # The campaign's figures (dashboards) link here: 征集需求数 by submission day, 解决技术难题数 by
    # the day the enterprise confirmed it solved (docs/kpi.md §1).
    submitted_after, submitted_before = day_range_filters("submitted_at", "提交日期")
    solved_after, solved_before = day_range_filters("solved_confirmed_at", "企业确认解决日期")
    collected = filters.BooleanFilter(
        label="计入征集需求数", method="filter_collected", widget=YES_NO
    )
    # Age in the current state, in working days (the aging board's bands link here).
    age_min = filters.NumberFilter(
        label="当前状态停留工作日≥", method="filter_age_min", min_value=0, max_value=3650
    )
    age_max = filters.NumberFilter(
        label="当前状态停留工作日≤", method="filter_age_max", min_value=0, max_value=3650
    )
    changed_after = filters.DateFilter(
        label="状态变更日期起",
        method="filter_changed_after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    changed_before = filters.DateFilter(
        label="状态变更日期早于",
        method="filter_changed_before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Demand
        fields = [
            "q",
            "industry",
            "region",
            "org_id",
            "enterprise_id",
            "kind",
            "category",
            "subcategory",
            "grade",
            "status",
            "owner_level",
            "channel",
            "tag",
            "created_after",
            "created_before",
            "age_min",
            "age_max",
            "changed_after",
            "changed_before",
            "submitted_after",
            "submitted_before",
            "solved_after",
            "solved_before",
            "collected",
            "ent_industry",
            "ent_region",
            "ent_size",
            "ent_tier",
        ]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return substring_search(queryset, value)

    def filter_collected(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        if value:
            return queryset.filter(submitted_at__isnull=False).exclude(status__in=NOT_COLLECTED)
        return queryset.filter(Q(submitted_at__isnull=True) | Q(status__in=NOT_COLLECTED))

    def filter_age_min(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(age_q(min_age=int(value))) if value is not None else queryset

    def filter_age_max(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(age_q(max_age=int(value))) if value is not None else queryset

    def filter_changed_after(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(status_changed_at__gte=start_of_day(value))

    def filter_changed_before(
        self, queryset: QuerySet[Any], name: str, value: Any
    ) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(status_changed_at__lt=start_of_day(value))

    def filter_industry(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        codes = DemandCode.objects.filter(scheme="industry", code=value, demand=OuterRef("pk"))
        return queryset.filter(Exists(codes))

    def filter_tag(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        key = search_key(value)
        if not key:
            return queryset
        codes = DemandCode.objects.filter(scheme="tag", code=key, demand=OuterRef("pk"))
        return queryset.filter(Exists(codes))

    def filter_region(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(region_subtree_q(value)) if value else queryset


class PortalDemandFilterSet(filters.FilterSet):
    """An enterprise contact's own demands: a search box and the state."""

    q = filters.CharFilter(label="关键字", method="search", max_length=SEARCH_MAX)
    status = filters.ChoiceFilter(label="状态", choices=DemandStatus.choices)
    stage = filters.ChoiceFilter(
        label="办理阶段", choices=DemandStage.choices, method="filter_stage"
    )

    class Meta:
        model = Demand
        fields = ["q", "status", "stage"]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return substring_search(queryset, value)

    def filter_stage(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(status__in=STAGE_STATUSES[value]) if value else queryset
