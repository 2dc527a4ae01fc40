"""技能提升记录 (/casework/upgrades/): the skill upgrades of both sources, service sessions and
craftsman-academy training, in one scoped list — the list behind 技能提升人次 (docs/kpi.md §1):
``counted=true`` with the certificate dates of a period and a unit's subtree shows exactly the
records that figure counts."""

from __future__ import annotations

from typing import Any

import django_filters as filters
import django_tables2 as tables
from django import forms
from django.db.models import QuerySet
from django.urls import path

from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.tables import BaseTable
from jiangqiao.core.views.generic import ObjectListView
from jiangqiao.taxonomy.filters import TermFilter

from .choices import UpgradeSource
from .session_models import SkillUpgrade

TABLE_ATTRS = {"class": "table table-vcenter card-table table-hover"}


def upgrade_list(*, user: Any, action: str = "view") -> QuerySet[SkillUpgrade]:
    return SkillUpgrade.objects.visible_to(user, action).select_related("org", "session")


class SkillUpgradeFilterSet(filters.FilterSet):
    source = filters.ChoiceFilter(label="来源", choices=UpgradeSource.choices)
    level_after = TermFilter("skill_level", label="提升后等级", field_name="level_after")
    issued_from = filters.DateFilter(
        label="取证日期起",
        field_name="issued_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    issued_to = filters.DateFilter(
        label="取证日期止",
        field_name="issued_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    counted = filters.BooleanFilter(
        label="计入技能提升人次",
        widget=forms.Select(
            choices=[("", "不限"), ("true", "是（当年首次）"), ("false", "否（重复）")]
        ),
    )
    org_id = OrgSubtreeFilter(label="所属工会（含下级）")

    class Meta:
        model = SkillUpgrade
        fields = ["source", "level_after", "issued_from", "issued_to", "counted", "org_id"]


class SkillUpgradeTable(BaseTable):
    worker = tables.Column("职工", empty_values=(), orderable=False)
    occupation = tables.Column("职业（工种）")
    level_after = tables.Column("提升后等级")
    issued_on = tables.DateColumn(verbose_name="取证日期", format="Y-m-d")
    source = tables.Column("来源")
    session = tables.Column(
        "服务记录",
        orderable=False,
        linkify=lambda record: record.session.get_absolute_url() if record.session else None,
    )
    org = tables.Column("所属工会", accessor="org__name", orderable=False)
    certificate_no = tables.Column("证书编号")
    counted = tables.BooleanColumn(verbose_name="计入人次", yesno="是,否（重复）")

    default_columns = (
        "worker",
        "occupation",
        "level_after",
        "issued_on",
        "source",
        "org",
        "counted",
    )
    key_columns = ("worker", "issued_on")

    class Meta:
        model = SkillUpgrade
        fields = (
            "worker",
            "occupation",
            "level_after",
            "issued_on",
            "source",
            "session",
            "org",
            "certificate_no",
            "counted",
        )
        order_by = ("-issued_on",)
        attrs = TABLE_ATTRS

    def render_worker(self, record: SkillUpgrade) -> str:
        return f"{record.worker_code}{f'（{record.worker_initials}）' if record.worker_initials else ''}"

    def render_occupation(self, record: SkillUpgrade) -> str:
        from jiangqiao.taxonomy.selectors import term_label

        return term_label("occupation", record.occupation, record.occupation)

    def render_level_after(self, record: SkillUpgrade) -> str:
        from jiangqiao.taxonomy.selectors import term_label

        return term_label("skill_level", record.level_after, record.level_after)


class SkillUpgradeListView(ObjectListView):
    model = SkillUpgrade
    filterset_class = SkillUpgradeFilterSet
    table_class = SkillUpgradeTable
    title = "技能提升记录"

    def get_table_queryset(self) -> Any:
        return upgrade_list(user=self.request.user)


urlpatterns = [
    path("upgrades/", SkillUpgradeListView.as_view(), name="skillupgrade_list"),
]
