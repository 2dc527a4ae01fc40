"""The campaign list's table: status, period and 已征集 against the target."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from jiangqiao.core.tables import BaseTable

from .choices_campaigns import CAMPAIGN_STATUS_COLORS
from .models_campaigns import Campaign


class CampaignTable(BaseTable):
    title = tables.Column("活动名称", linkify=True)
    org = tables.Column("发起单位", orderable=False)
    status = tables.Column("状态")
    starts_on = tables.Column("开始日期")
    deadline = tables.Column("截止日期")
    submitted_count = tables.Column("已征集 / 目标", empty_values=(), orderable=False)
    draft_count = tables.Column("草稿", orderable=False)

    default_columns = (
        "title",
        "org",
        "status",
        "starts_on",
        "deadline",
        "submitted_count",
        "draft_count",
    )
    key_columns = ("title", "status", "submitted_count")
    truncate = {"title": "lg", "org": "md"}

    class Meta:
        model = Campaign
        fields = ("title", "org", "status", "starts_on", "deadline")
        order_by = ("-starts_on",)
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_status(self, value: Any, record: Campaign) -> Any:
        color = CAMPAIGN_STATUS_COLORS.get(record.status, "secondary")
        return format_html('<span class="badge bg-{}-lt">{}</span>', color, value)

    def render_submitted_count(self, value: Any, record: Campaign) -> Any:
        return f"{getattr(record, 'submitted_count', 0)} / {record.target_count}"

    def value_submitted_count(self, value: Any, record: Campaign) -> Any:
        return getattr(record, "submitted_count", 0)
