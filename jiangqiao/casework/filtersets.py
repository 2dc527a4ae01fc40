"""Filters of the offer list (pages and API share them)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.search import SEARCH_MAX, substring_search
from jiangqiao.demands.choices import DemandStatus, Grade
from jiangqiao.demands.filtersets import age_q
from jiangqiao.demands.models import Demand

from .choices import DeclineReason, OfferSource, OfferStatus
from .models import Agreement, AgreementStatus, Offer


class OfferFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(label="状态", choices=OfferStatus.choices)
    source = filters.ChoiceFilter(label="来源", choices=OfferSource.choices)
    decline_reason = filters.ChoiceFilter(label="婉拒原因", choices=DeclineReason.choices)
    overdue = filters.BooleanFilter(
        label="已逾期",
        method="filter_overdue",
        widget=forms.Select(choices=[("", "全部"), ("true", "已逾期"), ("false", "未逾期")]),
    )
    awaiting_contact = filters.BooleanFilter(
        label="已接受、尚未联系上企业",
        method="filter_awaiting_contact",
        widget=forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")]),
    )
    org_id = OrgSubtreeFilter(org_field="demand__org", label="需求负责工会（含下级）")

    class Meta:
        model = Offer
        fields = ["status", "source", "decline_reason", "overdue", "awaiting_contact", "org_id"]

    def filter_awaiting_contact(
        self, queryset: QuerySet[Offer], name: str, value: Any
    ) -> QuerySet[Offer]:
        if value is None:
            return queryset
        waiting = Q(status=OfferStatus.ACCEPTED, first_contact_at__isnull=True)
        return queryset.filter(waiting) if value else queryset.exclude(waiting)

    def filter_overdue(self, queryset: QuerySet[Offer], name: str, value: Any) -> QuerySet[Offer]:
        """待答复 past the answer deadline, or accepted with first contact past its deadline."""
        if value is None:
            return queryset
        now = timezone.now()
        late = queryset.filter(
            status=OfferStatus.PENDING, accept_deadline__lt=now
        ) | queryset.filter(
            status=OfferStatus.ACCEPTED, first_contact_at__isnull=True, contact_deadline__lt=now
        )
        if value:
            return late
        return queryset.exclude(pk__in=late.values("pk"))


class AgreementFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(label="状态", choices=AgreementStatus.choices)
    review_due = filters.BooleanFilter(
        label="待回顾",
        method="filter_review_due",
        widget=forms.Select(choices=[("", "全部"), ("true", "待回顾"), ("false", "未到期")]),
    )
    org_id = OrgSubtreeFilter(label="负责工会（含下级）")

    class Meta:
        model = Agreement
        fields = ["status", "review_due", "org_id"]

    def filter_review_due(
        self, queryset: QuerySet[Agreement], name: str, value: Any
    ) -> QuerySet[Agreement]:
        if value is None:
            return queryset
        due = {"status": AgreementStatus.ACTIVE, "next_review_on__lte": timezone.localdate()}
        return queryset.filter(**due) if value else queryset.exclude(**due)


class QueueFilterSet(filters.FilterSet):
    """The triage queue: state, age in working days, 逾期 (past the escalation deadline)."""

    q = filters.CharFilter(label="关键字", method="search", max_length=SEARCH_MAX)
    # Check boxes in a row (queue.html): a native multi-select hid most of the states.
    status = filters.MultipleChoiceFilter(
        label="状态", choices=DemandStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    grade = filters.ChoiceFilter(label="分级", choices=Grade.choices)
    age_min = filters.NumberFilter(
        label="当前状态停留工作日≥", method="filter_age_min", min_value=0, max_value=3650
    )
    age_max = filters.NumberFilter(
        label="当前状态停留工作日≤", method="filter_age_max", min_value=0, max_value=3650
    )
    overdue = filters.BooleanFilter(
        label="已逾期（超过升级期限）",
        method="filter_overdue",
        widget=forms.Select(choices=[("", "全部"), ("true", "已逾期"), ("false", "未逾期")]),
    )

    class Meta:
        model = Demand
        fields = ["q", "status", "grade", "age_min", "age_max", "overdue"]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return substring_search(queryset, value)

    def filter_age_min(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(age_q(min_age=int(value))) if value is not None else queryset

    def filter_age_max(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(age_q(max_age=int(value))) if value is not None else queryset

    def filter_overdue(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        from .queues import overdue_q

        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())
