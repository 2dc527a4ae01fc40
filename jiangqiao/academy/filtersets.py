"""Filter panels and API filters of the academy app (one FilterSet for page and API)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet

from jiangqiao.core.choices import Status
from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.pickers import ObjectFilter
from jiangqiao.core.search import SEARCH_MAX
from jiangqiao.taxonomy.filters import TermFilter

from .choices import (
    AcademyLevel,
    AcademyType,
    ClassStatus,
    CourseFormat,
    CourseLevel,
    CourseStatus,
    EnrolmentStatus,
    LecturerKind,
    OrderKind,
    OrderStatus,
)
from .class_models import Enrolment
from .models import Academy, Alliance, Course, Lecturer, TrainingClass, TrainingOrder
from .selectors import search_q


def _json_prefix(queryset: QuerySet[Any], field: str, value: str) -> QuerySet[Any]:
    """Rows whose JSON code list holds ``value`` (a code; exact match of one element)."""
    if not value:
        return queryset
    return queryset.filter(**{f"{field}__icontains": f'"{value}'})


class AcademyFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    level = filters.ChoiceFilter(label="级别", choices=AcademyLevel.choices)
    academy_type = filters.ChoiceFilter(label="类型", choices=AcademyType.choices)
    status = filters.ChoiceFilter(label="状态", choices=Status.choices)
    region = TermFilter("region", label="所在地区（含下级）", method="filter_region")
    industry = TermFilter("industry", label="面向行业", method="filter_industry")
    org_id = OrgSubtreeFilter()
    parent_id = ObjectFilter("academy", label="上级学院", field_name="parent")
    alliance_id = ObjectFilter("alliance", label="所属联盟", field_name="alliance")
    is_provincial = filters.BooleanFilter(label="省级工匠学院")
    is_national_key = filters.BooleanFilter(label="全总重点支持")
    in_alliance = filters.BooleanFilter(
        label="已加入联盟", field_name="alliance", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Academy
        fields = [
            "q",
            "level",
            "academy_type",
            "status",
            "region",
            "industry",
            "org_id",
            "parent_id",
            "alliance_id",
            "is_provincial",
            "is_national_key",
            "in_alliance",
        ]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(search_q(value, "name", "host_name")) if value else queryset

    def filter_region(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(region_code__startswith=value.rstrip("0")) if value else queryset

    def filter_industry(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _json_prefix(queryset, "industries", value)


class AllianceFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    status = filters.ChoiceFilter(label="状态", choices=Status.choices)
    org_id = OrgSubtreeFilter()

    class Meta:
        model = Alliance
        fields = ["q", "status", "org_id"]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(search_q(value, "name")) if value else queryset


class LecturerFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    kind = filters.ChoiceFilter(label="来源", choices=LecturerKind.choices)
    field = TermFilter("course_field", label="授课领域", method="filter_field")
    academy_id = ObjectFilter("academy", label="聘任学院", field_name="academy")
    shared = filters.BooleanFilter(label="联盟共享")
    status = filters.ChoiceFilter(label="状态", choices=Status.choices)
    org_id = OrgSubtreeFilter()
    academy_level = filters.ChoiceFilter(
        label="学院级别", field_name="academy__level", choices=AcademyLevel.choices
    )

    class Meta:
        model = Lecturer
        fields = [
            "q",
            "kind",
            "field",
            "academy_id",
            "shared",
            "status",
            "org_id",
            "academy_level",
        ]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(search_q(value, "name", "craftsman__name", "title", "employer"))

    def filter_field(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _json_prefix(queryset, "course_fields", value)


class CourseFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    status = filters.ChoiceFilter(label="状态", choices=CourseStatus.choices)
    field = TermFilter("course_field", label="课程领域")
    # Not "format": DRF reads ?format= as the response format (an unknown one answers 404).
    course_format = filters.ChoiceFilter(
        label="授课形式", field_name="format", choices=CourseFormat.choices
    )
    level = filters.ChoiceFilter(label="课程层次", choices=CourseLevel.choices)
    industry = TermFilter("industry", label="适用行业", method="filter_industry")
    academy_id = ObjectFilter("academy", label="开课学院", field_name="academy")
    lecturer_id = ObjectFilter("lecturer", label="授课师资", method="filter_lecturer")
    is_free = filters.BooleanFilter(label="免费")
    org_id = OrgSubtreeFilter()
    academy_level = filters.ChoiceFilter(
        label="学院级别", field_name="academy__level", choices=AcademyLevel.choices
    )

    class Meta:
        model = Course
        fields = [
            "q",
            "status",
            "field",
            "course_format",
            "level",
            "industry",
            "academy_id",
            "lecturer_id",
            "is_free",
            "org_id",
            "academy_level",
        ]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(search_q(value, "code", "title")) if value else queryset

    def filter_industry(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _json_prefix(queryset, "industries", value)

    def filter_lecturer(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(lecturers=getattr(value, "pk", value)).distinct()


def menu_filter(queryset: QuerySet[Any], params: Any) -> QuerySet[Any]:
    """The public menu's filters (field, industry, format, region, lecturer name, text) on plain
    GET parameters; unknown values simply match nothing."""
    field = str(params.get("field") or "")[:64]
    fmt = str(params.get("format") or "")[:32]
    industry = str(params.get("industry") or "")[:16]
    region = str(params.get("region") or "")[:12]
    lecturer = str(params.get("lecturer") or "")[:SEARCH_MAX]
    text = str(params.get("q") or "")[:SEARCH_MAX]
    if field:
        queryset = queryset.filter(field=field)
    if fmt:
        queryset = queryset.filter(format=fmt)
    if industry:
        queryset = queryset.filter(
            Q(industries__icontains=f'"{industry}')
            | Q(academy__industries__icontains=f'"{industry}')
        )
    if region.isdigit():
        prefix = region
        while len(prefix) > 2 and prefix.endswith("00"):  # 441000 → 4410 (not 441: 441900 ≠ 江门)
            prefix = prefix[:-2]
        queryset = queryset.filter(academy__region_code__startswith=prefix)
    if lecturer:
        queryset = queryset.filter(
            Q(lecturers__name__icontains=lecturer)
            | Q(lecturers__craftsman__name__icontains=lecturer),
            lecturers__status=Status.ACTIVE,
        ).distinct()
    if text:
        queryset = queryset.filter(search_q(text, "title", "code", "description"))
    return queryset


class ClassFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    academy_id = ObjectFilter("academy", label="举办学院/基地", field_name="academy")
    course_id = ObjectFilter("course", label="课程", field_name="course")
    status = filters.ChoiceFilter(label="状态", choices=ClassStatus.choices)
    on_date = filters.DateFilter(label="在该日期开班中", method="filter_on_date")
    start_from = filters.DateFilter(label="开班日期起", field_name="start_date", lookup_expr="gte")
    start_to = filters.DateFilter(label="开班日期止", field_name="start_date", lookup_expr="lte")
    pending_certificates = filters.BooleanFilter(
        label="有待发证学员",
        method="filter_pending_certificates",
        widget=forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")]),
    )
    waitlist = filters.BooleanFilter(
        label="有候补学员",
        method="filter_waitlist",
        widget=forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")]),
    )
    org_id = OrgSubtreeFilter()
    academy_level = filters.ChoiceFilter(
        label="学院级别", field_name="academy__level", choices=AcademyLevel.choices
    )
    held = filters.BooleanFilter(label="计入统计（不含已取消）", method="filter_held")

    class Meta:
        model = TrainingClass
        fields = [
            "q",
            "academy_id",
            "course_id",
            "status",
            "on_date",
            "start_from",
            "start_to",
            "pending_certificates",
            "waitlist",
            "org_id",
            "academy_level",
            "held",
        ]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(search_q(value, "title", "code", "course__title", "place"))

    def filter_held(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        if value:
            return queryset.exclude(status=ClassStatus.CANCELLED)
        return queryset.filter(status=ClassStatus.CANCELLED)

    def filter_on_date(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(start_date__lte=value, end_date__gte=value)

    def filter_pending_certificates(
        self, queryset: QuerySet[Any], name: str, value: Any
    ) -> QuerySet[Any]:
        """Finished classes with a passed trainee who has no certificate yet."""
        if value is None:
            return queryset
        pending = Q(
            pk__in=Enrolment.objects.filter(
                status=EnrolmentStatus.ENROLLED, passed=True, certificate__isnull=True
            ).values("training_class_id")
        ) & Q(status=ClassStatus.FINISHED)
        return queryset.filter(pending) if value else queryset.exclude(pending)

    def filter_waitlist(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        waiting = Q(
            pk__in=Enrolment.objects.filter(status=EnrolmentStatus.WAITLISTED).values(
                "training_class_id"
            )
        )
        return queryset.filter(waiting) if value else queryset.exclude(waiting)


class OrderFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    status = filters.ChoiceFilter(label="状态", choices=OrderStatus.choices)
    kind = filters.ChoiceFilter(label="订单类型", choices=OrderKind.choices)
    academy_id = ObjectFilter("academy", label="承接学院", field_name="academy")
    enterprise_id = ObjectFilter("enterprise", label="企业", field_name="enterprise")
    placed_from = filters.DateFilter(
        label="下单日期起", field_name="created_at", lookup_expr="date__gte"
    )
    placed_to = filters.DateFilter(
        label="下单日期止", field_name="created_at", lookup_expr="date__lte"
    )
    period_on = filters.DateFilter(label="期望培训期间含该日", method="filter_period_on")
    org_id = OrgSubtreeFilter()

    class Meta:
        model = TrainingOrder
        fields = [
            "q",
            "status",
            "kind",
            "academy_id",
            "enterprise_id",
            "placed_from",
            "placed_to",
            "period_on",
            "org_id",
        ]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(search_q(value, "number", "topic", "enterprise__name"))

    def filter_period_on(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(period_from__lte=value, period_to__gte=value)


class PortalOrderFilterSet(filters.FilterSet):
    """An enterprise contact's own orders: a search box and the state."""

    q = filters.CharFilter(label="关键字", method="filter_q", max_length=SEARCH_MAX)
    status = filters.ChoiceFilter(label="状态", choices=OrderStatus.choices)

    class Meta:
        model = TrainingOrder
        fields = ["q", "status"]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(search_q(value, "number", "topic"))
