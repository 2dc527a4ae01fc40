from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from jiangqiao.core.choices import STATUS_COLORS
from jiangqiao.core.people import OperatorColumn
from jiangqiao.core.tables import BaseTable

from .choices import RUN_STATUS_COLORS, SUGGESTION_SOURCE_COLORS, SUGGESTION_STATUS_COLORS
from .models import DeclaredConflict, MatchRun, MatchSuggestion

TABLE_ATTRS = {"class": "table table-vcenter card-table table-hover"}


def _badge(color: str, text: Any) -> Any:
    return format_html('<span class="badge bg-{}-lt">{}</span>', color, text)


class SuggestionTable(BaseTable):
    demand = tables.Column("需求", orderable=False, attrs={"td": {"class": "wrap minw-14"}})
    craftsman = tables.Column("劳模工匠", orderable=False)
    rank = tables.Column("名次")
    score = tables.Column("匹配度")
    source = tables.Column("来源")
    status = tables.Column("状态")
    summary = tables.Column(
        "推荐理由",
        empty_values=(),
        orderable=False,
        attrs={"td": {"class": "wrap small minw-24"}},
    )
    suggested_at = tables.DateTimeColumn(verbose_name="推荐时间", format="Y-m-d H:i")
    decided_by = OperatorColumn("处理人", orderable=False, default="—")

    default_columns = ("demand", "craftsman", "rank", "score", "status", "summary", "decided_by")
    key_columns = ("demand", "craftsman", "status")
    truncate = {"craftsman": "sm", "decided_by": "sm"}

    class Meta:
        model = MatchSuggestion
        fields = (
            "demand",
            "craftsman",
            "rank",
            "score",
            "source",
            "status",
            "summary",
            "suggested_at",
            "decided_by",
        )
        order_by = ("-suggested_at",)
        attrs = TABLE_ATTRS

    def render_demand(self, value: Any, record: MatchSuggestion) -> Any:
        url = reverse("demands:demand_detail", args=[record.demand_id])
        return format_html('<a href="{}#match-suggestions">{}</a>', url, value)

    def render_craftsman(self, value: Any, record: MatchSuggestion) -> Any:
        if getattr(record, "craftsman_in_scope", True) is False:
            # Another unit's craftsman (cross-unit suggestion): his record is not the user's to open.
            return format_html('{} <span class="badge bg-purple-lt">跨单位</span>', value.name)
        url = reverse("talents:craftsman_detail", args=[record.craftsman_id])
        return format_html('<a href="{}">{}</a>', url, value)

    def render_rank(self, value: int) -> Any:
        return value or "—"

    def render_score(self, record: MatchSuggestion) -> str:
        return str(record.relevance)

    def render_source(self, value: Any, record: MatchSuggestion) -> Any:
        return _badge(SUGGESTION_SOURCE_COLORS.get(record.source, "secondary"), value)

    def render_status(self, value: Any, record: MatchSuggestion) -> Any:
        return _badge(SUGGESTION_STATUS_COLORS.get(record.status, "secondary"), value)

    def render_summary(self, record: MatchSuggestion) -> Any:
        from .selectors import public_why

        if getattr(record, "craftsman_in_scope", True) is False:
            lines = [str(line) for line in public_why(record.why)["summary"][:2]]
        else:
            lines = record.summary[:2]
        if not lines:
            return "—"
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines))


class RunTable(BaseTable):
    id = tables.Column("批次", linkify=True)
    org = tables.Column("组织范围", orderable=False)
    status = tables.Column("状态")
    demand_count = tables.Column("需求数")
    staffed_count = tables.Column("已配置")
    suggestion_count = tables.Column("建议匹配")
    fusion_version = tables.Column("融合权重版本")
    created_by = OperatorColumn("发起人", orderable=False, default="—")
    created_at = tables.DateTimeColumn(verbose_name="发起时间", format="Y-m-d H:i")

    key_columns = ("id", "org", "status")
    truncate = {"org": "md"}

    class Meta:
        model = MatchRun
        fields = (
            "id",
            "org",
            "status",
            "demand_count",
            "staffed_count",
            "suggestion_count",
            "fusion_version",
            "created_by",
            "created_at",
        )
        order_by = ("-created_at",)
        attrs = TABLE_ATTRS

    def render_id(self, value: int) -> str:
        return f"#{value}"

    def render_status(self, value: Any, record: MatchRun) -> Any:
        return _badge(RUN_STATUS_COLORS.get(record.status, "secondary"), value)


class ConflictTable(BaseTable):
    display = tables.Column(
        "回避申报",
        empty_values=(),
        orderable=False,
        linkify=lambda record: record.get_absolute_url(),
    )
    craftsman = tables.Column("劳模工匠", orderable=False)
    enterprise = tables.Column("企业", orderable=False)
    reason = tables.Column("回避原因", attrs={"td": {"class": "wrap"}})
    status = tables.Column("状态")
    created_at = tables.DateTimeColumn(verbose_name="登记时间", format="Y-m-d H:i")

    key_columns = ("display", "craftsman", "status")
    truncate = {"display": "md", "craftsman": "sm", "enterprise": "md"}

    class Meta:
        model = DeclaredConflict
        fields = ("display", "craftsman", "enterprise", "reason", "status", "created_at")
        order_by = ("-created_at",)
        attrs = TABLE_ATTRS

    def render_display(self, record: DeclaredConflict) -> str:
        return str(record)

    def render_status(self, value: Any, record: DeclaredConflict) -> Any:
        return _badge(STATUS_COLORS.get(record.status, "secondary"), value)
