"""Filters of the offer list (pages and API share them)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from jiangqiao.core.filters import OrgSubtreeFilter

from .choices import DeclineReason, OfferSource, OfferStatus
from .models import Agreement, AgreementStatus, Offer


class OfferFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(label="状态", choices=OfferStatus.choices)
    source = filters.ChoiceFilter(label="来源", choices=OfferSource.choices)
    decline_reason = filters.ChoiceFilter(label="婉拒原因", choices=DeclineReason.choices)
    overdue = filters.BooleanFilter(
        label="已逾期",
        method="filter_overdue",
        widget=forms.Select(choices=[("", "全部"), ("true", "已逾期"), ("false", "未逾期")]),
    )
    org_id = OrgSubtreeFilter(org_field="demand__org", label="需求负责工会（含下级）")

    class Meta:
        model = Offer
        fields = ["status", "source", "decline_reason", "overdue", "org_id"]

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
