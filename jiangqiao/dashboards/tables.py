"""List tables of the dashboards pages."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from jiangqiao.core.tables import BaseTable

from . import indicators
from .models import CustomIndicator, Target

ATTRS = {"class": "table table-vcenter card-table table-hover"}


def indicator_labels(user: Any, codes: Any) -> dict[str, str]:
    """``{code: label}`` of registered indicators and of the custom ones the user may see."""
    out = {i.code: i.label for i in indicators.REGISTRY.values()}
    wanted = [pk for pk in (indicators.custom_pk(c) for c in codes) if pk is not None]
    if wanted:
        for row in CustomIndicator.objects.visible_to(user).filter(pk__in=wanted):
            out[indicators.custom_code(row.pk)] = row.label
    return out


def label_of(record: Any) -> str:
    """The indicator's name of a target row of ``targets.target_list``."""
    found = indicators.get(record.indicator)
    if found is not None:
        return found.label
    return getattr(record, "custom_label", None) or str(record.indicator)


def number(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"


class TargetTable(BaseTable):
    org = tables.Column("单位", accessor="org__name")
    year = tables.Column("年度")
    indicator = tables.Column("指标")
    value = tables.Column(
        "目标值", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    note = tables.Column("说明")
    updated_at = tables.DateTimeColumn(verbose_name="更新时间", format="Y-m-d H:i")
    history = tables.Column("调整记录", accessor="pk", orderable=False)

    key_columns = ("org", "indicator", "value")
    truncate = {"org": "md", "note": "md"}

    class Meta:
        model = Target
        fields = ("org", "year", "indicator", "value", "note", "updated_at", "history")
        attrs = ATTRS

    def render_org(self, value: Any, record: Target) -> Any:
        url = reverse("dashboards:targets") + f"?org={record.org_id}&year={record.year}"
        return format_html('<a href="{}">{}</a>', url, value)

    def render_indicator(self, value: str, record: Target) -> str:
        return label_of(record)

    def render_value(self, value: Any, record: Target) -> str:
        found = indicators.get(record.indicator)
        unit = found.unit if found else getattr(record, "custom_unit", None)
        return f"{number(value)} {unit}" if unit else number(value)

    def render_history(self, value: Any, record: Target) -> Any:
        url = reverse("dashboards:target_history", args=[record.pk])
        return format_html('<a href="{}">查看</a>', url)

    def value_indicator(self, value: str, record: Target) -> str:
        return label_of(record)

    def value_history(self, value: Any, record: Target) -> str:
        return ""
