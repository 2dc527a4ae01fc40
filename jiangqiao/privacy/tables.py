from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from jiangqiao.core.tables import BaseTable

from .choices import REQUEST_STATUS_COLORS, RequestKind
from .models import DataSubjectRequest


class DataSubjectRequestTable(BaseTable):
    requester_name = tables.Column(
        "申请人", linkify=lambda record: record.get_absolute_url(), orderable=False
    )
    kind = tables.Column("申请类型")
    subject_kind = tables.Column("身份")
    status = tables.Column("状态")
    submitted_at = tables.DateTimeColumn(verbose_name="提交时间", format="Y-m-d H:i")
    due_date = tables.DateColumn(verbose_name="答复期限", format="Y-m-d")
    org = tables.Column("所属组织", orderable=False)
    handler = tables.Column("经办人", orderable=False, empty_values=())

    key_columns = ("requester_name", "kind", "status", "due_date")

    class Meta:
        model = DataSubjectRequest
        fields = (
            "requester_name",
            "kind",
            "subject_kind",
            "status",
            "submitted_at",
            "due_date",
            "org",
            "handler",
        )
        attrs = {"class": "table table-vcenter card-table table-hover"}
        row_attrs = {"class": lambda record: "table-danger" if record.is_overdue else ""}

    def render_status(self, record: DataSubjectRequest) -> Any:
        color = REQUEST_STATUS_COLORS.get(record.status, "secondary")
        return format_html(
            '<span class="badge bg-{}-lt">{}</span>', color, record.get_status_display()
        )

    def render_handler(self, record: DataSubjectRequest) -> Any:
        if record.handler is not None:
            return str(record.handler)
        return "系统即时办结" if record.kind == RequestKind.ACCESS and not record.is_open else "—"

    def render_due_date(self, record: DataSubjectRequest, value: Any) -> Any:
        if record.is_overdue:
            return format_html(
                '<span class="text-danger fw-bold" data-overdue>{} 已超期</span>',
                value.strftime("%Y-%m-%d"),
            )
        return value.strftime("%Y-%m-%d")
