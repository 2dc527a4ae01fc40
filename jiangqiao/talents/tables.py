"""List tables. Sensitive identifiers never appear in a list (not even masked)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from jiangqiao.core.choices import STATUS_COLORS
from jiangqiao.core.tables import BaseTable
from jiangqiao.taxonomy.selectors import term_label, term_labels

from .choices import CRAFTSMAN_STATUS_COLORS, TEAM_LEVEL_COLORS
from .models import Craftsman, ServiceTeam


def _badge(label: Any, color: str) -> Any:
    return format_html('<span class="badge bg-{}-lt">{}</span>', color, label)


class CraftsmanTable(BaseTable):
    name = tables.Column("姓名", linkify=True)
    employer_name = tables.Column("工作单位")
    industries = tables.Column("行业", orderable=False)
    skill_level = tables.Column("技能等级", order_by=("skill_rank",))
    org = tables.Column("所属组织")
    status = tables.Column("状态")
    updated_at = tables.DateTimeColumn(verbose_name="更新时间", format="Y-m-d")

    key_columns = ("name", "org", "status")
    truncate = {"employer_name": "md", "industries": "md", "org": "md"}

    class Meta:
        model = Craftsman
        fields = (
            "name",
            "employer_name",
            "industries",
            "skill_level",
            "org",
            "status",
            "updated_at",
        )
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_industries(self, value: list[str]) -> str:
        labels = term_labels("industry", value[:3])
        text = "、".join(labels.get(code, code) for code in value[:3])
        return text + ("…" if len(value) > 3 else "")

    def render_skill_level(self, value: str, record: Craftsman) -> str:
        label = term_label("skill_level", value, value)
        if record.skill_post:
            label += f"（{term_label('skill_post', record.skill_post, record.skill_post)}）"
        return label

    def render_status(self, value: str, record: Craftsman) -> Any:
        return _badge(value, CRAFTSMAN_STATUS_COLORS.get(record.status, "secondary"))


class ServiceTeamTable(BaseTable):
    name = tables.Column("名称", linkify=True)
    level = tables.Column("层级")
    org = tables.Column("组建单位")
    industry_code = tables.Column("行业方向")
    lead = tables.Column("领衔人")
    member_count = tables.Column("成员数", orderable=True)
    status = tables.Column("状态")

    key_columns = ("name", "org", "status")
    truncate = {"name": "lg", "org": "md", "industry_code": "md"}

    class Meta:
        model = ServiceTeam
        fields = ("name", "level", "org", "industry_code", "lead", "member_count", "status")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_level(self, value: str, record: ServiceTeam) -> Any:
        return _badge(value, TEAM_LEVEL_COLORS.get(record.level, "secondary"))

    def render_industry_code(self, value: str) -> str:
        return term_label("industry", value, value)

    def render_status(self, value: str, record: ServiceTeam) -> Any:
        return _badge(value, STATUS_COLORS.get(record.status, "secondary"))
