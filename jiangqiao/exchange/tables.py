from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from jiangqiao.core.people import OperatorColumn
from jiangqiao.core.tables import BaseTable

from .choices import BATCH_STATUS_COLORS, DIRECTION_COLORS
from .models import ExchangeBatch

TABLE_ATTRS = {"class": "table table-vcenter card-table table-hover"}


def _badge(color: str, text: Any) -> Any:
    return format_html('<span class="badge bg-{}-lt">{}</span>', color, text)


class BatchTable(BaseTable):
    id = tables.Column("批次", linkify=True)
    direction = tables.Column("方向")
    kind = tables.Column("文件类型")
    file_name = tables.Column("文件名", attrs={"td": {"class": "wrap small"}})
    source_instance = tables.Column("来源实例")
    pii = tables.Column("个人标识")
    status = tables.Column("状态")
    counts = tables.Column("新增/更新/未变/冲突/错误/跳过", empty_values=(), orderable=False)
    created_by = OperatorColumn("操作人", orderable=False, default="—")
    created_at = tables.DateTimeColumn(verbose_name="时间", format="Y-m-d H:i")

    key_columns = ("id", "direction", "status")
    truncate = {"source_instance": "sm"}

    class Meta:
        model = ExchangeBatch
        fields = (
            "id",
            "direction",
            "kind",
            "file_name",
            "source_instance",
            "pii",
            "status",
            "counts",
            "created_by",
            "created_at",
        )
        order_by = ("-created_at",)
        attrs = TABLE_ATTRS

    def render_id(self, value: Any) -> Any:
        return f"#{value}"

    def render_direction(self, value: Any, record: ExchangeBatch) -> Any:
        return _badge(DIRECTION_COLORS.get(record.direction, "secondary"), value)

    def render_status(self, value: Any, record: ExchangeBatch) -> Any:
        return _badge(BATCH_STATUS_COLORS.get(record.status, "secondary"), value)

    def render_counts(self, record: ExchangeBatch) -> Any:
        if record.direction == "export":
            return f"共 {record.total} 条"
        return (
            f"{record.new_count}/{record.updated_count}/{record.unchanged_count}/"
            f"{record.conflict_count}/{record.error_count}/{record.skipped_count}"
        )
