from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from .choices import CHANGE_ACTION_COLORS, IMPORT_STATUS_COLORS, JOB_STATUS_COLORS
from .models import ChangeLog, ImportAlias, ImportBatch, Job, OperationLog
from .people import OperatorColumn


def _badge(label: Any, color: str) -> Any:
    return format_html('<span class="badge bg-{}-lt">{}</span>', color, label)


class ChangeLogTable(tables.Table):
    time = tables.DateTimeColumn(verbose_name="时间", format="Y-m-d H:i:s", linkify=True)
    user_name = OperatorColumn("操作人", row=True)
    action = tables.Column("动作")
    content_type = tables.Column("对象类型")
    object_repr = tables.Column("对象")
    org = tables.Column("所属组织")
    request_id = tables.Column("请求编号")

    class Meta:
        model = ChangeLog
        fields = ("time", "user_name", "action", "content_type", "object_repr", "org", "request_id")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_action(self, value: str, record: ChangeLog) -> Any:
        return _badge(value, CHANGE_ACTION_COLORS.get(record.action, "secondary"))

    def render_content_type(self, value: Any, record: ChangeLog) -> str:
        model = record.content_type.model_class()
        return str(model._meta.verbose_name) if model else record.content_type.model

    def render_request_id(self, value: Any) -> str:
        return str(value)[:8]

    def render_object_repr(self, value: Any, record: ChangeLog) -> Any:
        """The object by its current name, linked when in the user's scope (one query a page)."""
        if not hasattr(record, "object_html"):
            from .audit_names import name_changes

            page = getattr(self, "page", None)
            rows = [getattr(r, "record", r) for r in getattr(page, "object_list", [])]
            rows = [r for r in rows if not hasattr(r, "object_html")] or [record]
            user = getattr(getattr(self, "request", None), "user", None)
            name_changes(rows if record in rows else [record], user)
        return getattr(record, "object_html", value)


class OperationLogTable(tables.Table):
    time = tables.DateTimeColumn(verbose_name="时间", format="Y-m-d H:i:s", linkify=True)
    module = tables.Column("模块")
    business_type = tables.Column("业务类型")
    action = tables.Column("操作", attrs={"td": {"class": "wrap"}})
    user_name = OperatorColumn("操作人", row=True)
    ip = tables.Column("IP")
    status = tables.Column("结果")

    class Meta:
        model = OperationLog
        fields = ("time", "module", "business_type", "action", "user_name", "ip", "status")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_status(self, value: str, record: OperationLog) -> Any:
        return _badge(value, "green" if record.status == "success" else "red")


class JobTable(tables.Table):
    title = tables.Column("名称", linkify=True)
    status = tables.Column("状态")
    progress = tables.Column("进度", empty_values=(), orderable=False)
    created_by = OperatorColumn("发起人", default="—")
    created_at = tables.DateTimeColumn(verbose_name="创建时间", format="Y-m-d H:i:s")
    finished_at = tables.DateTimeColumn(verbose_name="结束时间", format="Y-m-d H:i:s")

    class Meta:
        model = Job
        fields = ("title", "status", "progress", "created_by", "created_at", "finished_at")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_status(self, value: str, record: Job) -> Any:
        return _badge(value, JOB_STATUS_COLORS.get(record.status, "secondary"))

    def render_progress(self, record: Job) -> str:
        return f"{record.percent}%"


class ImportBatchTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name="上传时间", format="Y-m-d H:i", linkify=True)
    spec = tables.Column("导入类型")
    file_name = tables.Column("文件名", linkify=True)
    source_label = tables.Column("来源名单")
    status = tables.Column("状态")
    counts = tables.Column("新增/更新/重复/错误", empty_values=(), orderable=False)
    created_by = OperatorColumn("导入人", default="—")
    org = tables.Column("所属组织")

    class Meta:
        model = ImportBatch
        fields = (
            "created_at",
            "spec",
            "file_name",
            "source_label",
            "status",
            "counts",
            "created_by",
            "org",
        )
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_spec(self, value: str) -> str:
        from jiangqiao.core.io.registry import IMPORTERS

        importer = IMPORTERS.get(value)
        return importer.spec.title if importer else value

    def render_status(self, value: Any, record: ImportBatch) -> Any:
        return _badge(value, IMPORT_STATUS_COLORS.get(record.status, "secondary"))

    def render_counts(self, record: ImportBatch) -> str:
        c = record.counts
        if not c:
            return "—"
        return f"{c.get('new', 0)} / {c.get('update', 0) + c.get('unchanged', 0)} / {c.get('duplicate', 0)} / {c.get('error', 0)}"


class ImportAliasTable(tables.Table):
    spec = tables.Column("导入类型")
    column = tables.Column("字段")
    alias = tables.Column("表头别名", linkify=lambda record: record.get_edit_url())
    status = tables.Column("状态")
    actions = tables.TemplateColumn(
        verbose_name="操作",
        orderable=False,
        template_code=(
            '<form method="post" action="{% url \'core:importalias_status\' record.pk %}">'
            "{% csrf_token %}"
            '<input type="hidden" name="status" value="{% if record.status == \'active\' %}disabled'
            '{% else %}active{% endif %}">'
            "<button class=\"btn btn-sm\">{% if record.status == 'active' %}停用{% else %}启用"
            "{% endif %}</button></form>"
        ),
    )

    class Meta:
        model = ImportAlias
        fields = ("spec", "column", "alias", "status", "actions")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_spec(self, value: str) -> str:
        from jiangqiao.core.io.registry import IMPORTERS

        importer = IMPORTERS.get(value)
        return importer.spec.title if importer else value

    def render_column(self, value: str, record: ImportAlias) -> str:
        from jiangqiao.core.io.registry import IMPORTERS

        importer = IMPORTERS.get(record.spec)
        return importer.spec.label(value) if importer else value

    def render_status(self, value: Any, record: ImportAlias) -> Any:
        return _badge(value, "green" if record.status == "active" else "secondary")
