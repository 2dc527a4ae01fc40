"""List tables of the competition and innovation pages."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables

from jiangqiao.core.tables import BaseTable
from jiangqiao.taxonomy.selectors import term_label

from .choices import COMPETITION_STATUS_COLORS, INNOVATION_STATUS_COLORS
from .models import Competition, Innovation
from .tables import ATTRS, _badge


class CompetitionTable(BaseTable):
    title = tables.Column("赛事名称", linkify=True)
    level = tables.Column("级别")
    occupation = tables.Column("竞赛职业（工种）")
    org = tables.Column("组织方")
    academy = tables.Column("承办学院")
    start_date = tables.DateColumn(format="Y-m-d", verbose_name="比赛日期")
    registration_end = tables.DateColumn(format="Y-m-d", verbose_name="报名截止")
    contestant_count = tables.Column("报名人数", orderable=False)
    status = tables.Column("状态")

    key_columns = ("title", "start_date", "status")
    truncate = {"title": "lg", "org": "md", "academy": "md", "occupation": "md"}

    class Meta:
        model = Competition
        fields = (
            "title",
            "level",
            "occupation",
            "org",
            "academy",
            "start_date",
            "registration_end",
            "contestant_count",
            "status",
        )
        attrs = ATTRS

    def render_occupation(self, value: str) -> str:
        return term_label("occupation", value, value)

    def render_status(self, value: str, record: Competition) -> Any:
        return _badge(value, COMPETITION_STATUS_COLORS.get(record.status, "secondary"))


class InnovationTable(BaseTable):
    title = tables.Column("项目名称", linkify=True)
    kind = tables.Column("类型")
    org = tables.Column("所属工会")
    studio_name = tables.Column("创新工作室")
    lead = tables.Column("领衔人")
    start_date = tables.DateColumn(format="Y-m-d", verbose_name="开始日期")
    economic_benefit = tables.Column("经济效益（元）")
    adopted = tables.BooleanColumn(verbose_name="已采纳", yesno="是,否")
    status = tables.Column("状态")

    key_columns = ("title", "kind", "status")
    truncate = {"title": "lg", "org": "md", "studio_name": "md"}

    class Meta:
        model = Innovation
        fields = (
            "title",
            "kind",
            "org",
            "studio_name",
            "lead",
            "start_date",
            "economic_benefit",
            "adopted",
            "status",
        )
        attrs = ATTRS

    def render_kind(self, value: str, record: Innovation) -> str:
        if record.five_small_type:
            return f"{value}·{record.get_five_small_type_display()}"
        return str(value)

    def render_status(self, value: str, record: Innovation) -> Any:
        return _badge(value, INNOVATION_STATUS_COLORS.get(record.status, "secondary"))
