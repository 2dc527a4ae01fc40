"""List tables of the dashboards pages."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from jiangqiao.core.tables import BaseTable

from . import indicators
from .models import Target

ATTRS = {"class": "table table-vcenter card-table table-hover"}


def indicator_label(code: str) -> str:
    found = indicators.get(code)
    return found.label if found else code


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
        return indicator_label(value)

    def render_value(self, value: Any, record: Target) -> str:
        found = indicators.get(record.indicator)
        return f"{number(value)} {found.unit}" if found else number(value)

    def render_history(self, value: Any, record: Target) -> Any:
        url = reverse("dashboards:target_history", args=[record.pk])
        return format_html('<a href="{}">查看</a>', url)

    def value_indicator(self, value: str, record: Target) -> str:
        return indicator_label(value)

    def value_history(self, value: Any, record: Target) -> str:
        return ""
