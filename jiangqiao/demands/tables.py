from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from jiangqiao.core.choices import STATUS_COLORS
from jiangqiao.core.tables import BaseTable, compact_code
from jiangqiao.taxonomy.selectors import term_label

from .choices import DEMAND_STATUS_COLORS, KIND_COLORS, SIZE_COLORS
from .models import Demand, Enterprise


def _badge(color: str, text: Any) -> Any:
    return format_html('<span class="badge bg-{}-lt">{}</span>', color, text)


class EnterpriseTable(BaseTable):
    name = tables.Column("企业名称", linkify=True)
    uscc = tables.Column("统一社会信用代码")
    region_code = tables.Column("所在地区")
    industry_code = tables.Column("所属行业")
    size_class = tables.Column("企业规模", empty_values=())
    quality_tier = tables.Column("梯度")
    org = tables.Column("负责工会", orderable=False)
    status = tables.Column("状态")

    default_columns = (
        "name",
        "region_code",
        "industry_code",
        "size_class",
        "quality_tier",
        "org",
        "status",
    )
    key_columns = ("name", "org", "status")
    truncate = {"name": "lg", "industry_code": "md", "org": "md", "region_code": "sm"}

    class Meta:
        model = Enterprise
        fields = (
            "name",
            "uscc",
            "region_code",
            "industry_code",
            "size_class",
            "quality_tier",
            "org",
            "status",
        )
        order_by = ("-created_at",)
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_region_code(self, value: str) -> str:
        return term_label("region", value, value)

    def render_industry_code(self, value: str) -> str:
        return term_label("industry", value, value)

    def render_size_class(self, value: str, record: Enterprise) -> Any:
        return _badge(SIZE_COLORS.get(record.size_class, "secondary"), value or "未知")

    def render_quality_tier(self, value: str, record: Enterprise) -> Any:
        label = term_label("quality_tier", record.quality_tier, record.quality_tier)
        if record.tier_expired:
            return format_html('{} <span class="badge bg-red-lt">已过期</span>', label)
        return label

    def render_status(self, value: str, record: Enterprise) -> Any:
        return _badge(STATUS_COLORS.get(record.status, "secondary"), value)


class DemandTable(BaseTable):
    number = tables.Column("需求编号", linkify=True, empty_values=())
    title = tables.Column("需求标题", linkify=True)
    enterprise = tables.Column("企业", orderable=False)
    kind = tables.Column("类型")
    region_code = tables.Column("服务地点")
    grade = tables.Column("分级")
    status = tables.Column("状态")
    org = tables.Column("负责工会", orderable=False)
    created_at = tables.DateColumn(verbose_name="创建日期", format="Y-m-d")

    default_columns = (
        "number",
        "title",
        "enterprise",
        "kind",
        "grade",
        "status",
        "org",
        "created_at",
    )
    key_columns = ("number", "title", "status")
    truncate = {"title": "lg", "enterprise": "sm", "org": "sm"}

    class Meta:
        model = Demand
        fields = (
            "number",
            "title",
            "enterprise",
            "kind",
            "region_code",
            "grade",
            "status",
            "org",
            "created_at",
        )
        order_by = ("-created_at",)
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_number(self, value: str | None) -> Any:
        return compact_code(value) if value else "（草稿）"

    def render_kind(self, value: str, record: Demand) -> Any:
        return _badge(KIND_COLORS.get(record.kind, "secondary"), value)

    def render_region_code(self, value: str) -> str:
        return term_label("region", value, value)

    def render_grade(self, value: str, record: Demand) -> str:
        return record.grade.upper()

    def render_status(self, value: str, record: Demand) -> Any:
        return _badge(DEMAND_STATUS_COLORS.get(record.status, "secondary"), value)


class PortalDemandTable(BaseTable):
    """The enterprise contact's list: what he asked, where it stands (fits a phone)."""

    number = tables.Column("需求编号", linkify=True, empty_values=())
    title = tables.Column("需求标题", linkify=True)
    status = tables.Column("状态")
    created_at = tables.DateColumn(verbose_name="提交日期", format="Y-m-d")

    key_columns = ("number", "title", "status")
    truncate = {"title": "lg"}

    class Meta:
        model = Demand
        fields = ("number", "title", "status", "created_at")
        order_by = ("-created_at",)
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_number(self, value: Any, record: Demand) -> Any:
        return compact_code(value) if value else "（草稿）"

    def render_status(self, value: Any, record: Demand) -> Any:
        return _badge(DEMAND_STATUS_COLORS.get(record.status, "secondary"), value)
