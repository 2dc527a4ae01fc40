from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from jiangqiao.core.filters import OrgSubtreeFilter, RecentFilter

from .choices import ApprovalStatus, BusinessType, ChangeAction, JobStatus, OperationStatus
from .models import ApprovalRequest, ChangeLog, Job, OperationLog


def _audited_types() -> QuerySet[ContentType]:
    from .changelog import is_audited

    ids = [
        ct.pk
        for ct in ContentType.objects.all()
        if (model := ct.model_class()) is not None and is_audited(model)
    ]
    return ContentType.objects.filter(pk__in=ids)


class ContentTypeChoiceFilter(filters.ModelChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", lambda request: _audited_types())
        super().__init__(*args, **kwargs)

    @property
    def field(self) -> Any:
        field = super().field
        field.label_from_instance = lambda ct: (
            str(ct.model_class()._meta.verbose_name) if ct.model_class() else ct.model
        )
        return field


class ChangeLogFilterSet(filters.FilterSet):
    user_name = filters.CharFilter(label="操作人", lookup_expr="icontains", max_length=150)
    action = filters.ChoiceFilter(label="动作", choices=ChangeAction.choices)
    content_type = ContentTypeChoiceFilter(label="对象类型")
    # Set by the links of a page's 变更记录 tab (with content_type); never typed by a person.
    object_id = filters.CharFilter(label="对象", max_length=64, widget=forms.HiddenInput)
    object_repr = filters.CharFilter(label="对象", lookup_expr="icontains", max_length=200)
    request_id = filters.UUIDFilter(label="请求编号")
    time_after = filters.DateFilter(label="开始日期", field_name="time", lookup_expr="date__gte")
    time_before = filters.DateFilter(label="结束日期", field_name="time", lookup_expr="date__lte")
    within = RecentFilter()
    org_id = OrgSubtreeFilter()

    class Meta:
        model = ChangeLog
        fields = [
            "user_name",
            "action",
            "content_type",
            "object_id",
            "object_repr",
            "request_id",
            "time_after",
            "time_before",
            "within",
            "org_id",
        ]


class OperationLogFilterSet(filters.FilterSet):
    module = filters.CharFilter(label="模块", lookup_expr="icontains", max_length=50)
    business_type = filters.ChoiceFilter(label="业务类型", choices=BusinessType.choices)
    user_name = filters.CharFilter(label="操作人", lookup_expr="icontains", max_length=150)
    status = filters.ChoiceFilter(label="结果", choices=OperationStatus.choices)
    request_id = filters.UUIDFilter(label="请求编号")
    time_after = filters.DateFilter(label="开始日期", field_name="time", lookup_expr="date__gte")
    time_before = filters.DateFilter(label="结束日期", field_name="time", lookup_expr="date__lte")
    within = RecentFilter()
    org_id = OrgSubtreeFilter()

    class Meta:
        model = OperationLog
        fields = [
            "module",
            "business_type",
            "user_name",
            "status",
            "request_id",
            "time_after",
            "time_before",
            "within",
            "org_id",
        ]


class JobFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(label="状态", choices=JobStatus.choices)
    kind = filters.CharFilter(label="类型", max_length=50)

    class Meta:
        model = Job
        fields = ["status", "kind"]


def _approval_kinds() -> list[tuple[str, str]]:
    from .approvals import KINDS

    return [(code, kind.label) for code, kind in sorted(KINDS.items())]


class ApprovalFilterSet(filters.FilterSet):
    """The 审批事项 page: by state (the page opens on 待审批) and by kind (大批量导出, 调动…)."""

    status = filters.ChoiceFilter(label="状态", choices=ApprovalStatus.choices)
    kind = filters.ChoiceFilter(label="类型", choices=_approval_kinds)

    class Meta:
        model = ApprovalRequest
        fields = ["status", "kind"]
