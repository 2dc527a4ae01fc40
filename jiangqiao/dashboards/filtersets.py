"""Filter panels and API filters of the dashboards app (one FilterSet for page and API)."""

from __future__ import annotations

from typing import Any

import django_filters as filters

from jiangqiao.core.filters import OrgSubtreeFilter

from . import indicators, services
from .choices import Campaign, TargetSource
from .models import Target, TargetRevision


class TargetFilterSet(filters.FilterSet):
    year = filters.NumberFilter(
        label="年度", min_value=services.YEAR_MIN, max_value=services.YEAR_MAX
    )
    campaign = filters.ChoiceFilter(label="专项行动", choices=Campaign.choices)
    indicator = filters.ChoiceFilter(label="指标", choices=indicators.choices)
    org_id = OrgSubtreeFilter(label="单位（含下级）")

    primary_filters = ("year", "indicator", "org_id")

    class Meta:
        model = Target
        fields = ["year", "campaign", "indicator", "org_id"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        # The registered indicators and the custom ones the user may see.
        self.filters["indicator"].extra["choices"] = [
            (i.code, i.label) for i in indicators.available(user, active_only=False)
        ]


class TargetRevisionFilterSet(filters.FilterSet):
    source = filters.ChoiceFilter(label="来源", choices=TargetSource.choices)

    class Meta:
        model = TargetRevision
        fields = ["source"]
