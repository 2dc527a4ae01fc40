"""Filters of the exchange batch list (pages and API share them)."""

from __future__ import annotations

import django_filters as filters

from jiangqiao.core.filters import OrgSubtreeFilter

from .choices import BatchStatus, Direction, FileKind
from .models import ExchangeBatch


class BatchFilterSet(filters.FilterSet):
    direction = filters.ChoiceFilter(label="方向", choices=Direction.choices)
    kind = filters.ChoiceFilter(label="文件类型", choices=FileKind.choices)
    status = filters.ChoiceFilter(label="状态", choices=BatchStatus.choices)
    source_instance = filters.CharFilter(label="来源实例", lookup_expr="exact", max_length=100)
    org_id = OrgSubtreeFilter(label="所属组织（含下级）")

    class Meta:
        model = ExchangeBatch
        fields = ["direction", "kind", "status", "source_instance", "org_id"]
