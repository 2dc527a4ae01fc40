"""The staff list's filters."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet
from django.utils import timezone

from .choices import OPEN_STATUSES, RequestKind, RequestStatus
from .models import DataSubjectRequest


class DataSubjectRequestFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(label="状态", choices=RequestStatus.choices)
    kind = filters.ChoiceFilter(label="申请类型", choices=RequestKind.choices)
    overdue = filters.BooleanFilter(label="已超期", method="filter_overdue")
    open = filters.BooleanFilter(label="未办结", method="filter_open")

    primary_filters = ("status", "kind", "overdue")

    class Meta:
        model = DataSubjectRequest
        fields = ["status", "kind"]

    def filter_overdue(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return qs
        late = {"status__in": OPEN_STATUSES, "due_date__lt": timezone.localdate()}
        return qs.filter(**late) if value else qs.exclude(**late)

    def filter_open(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return qs
        return (
            qs.filter(status__in=OPEN_STATUSES) if value else qs.exclude(status__in=OPEN_STATUSES)
        )
