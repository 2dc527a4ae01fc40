"""List tables. Every list table subclasses ``BaseTable`` (NetBox's ``BaseTable``, reduced):

* ``default_columns`` — the columns shown until the user chooses others in 列设置; chosen so the key
  columns (编号, 标题/名称, 状态, 负责单位) fit an office screen of 1366 × 768. ``None``: all columns.
* ``key_columns`` — the columns a phone shows (the others are hidden below 576 px; the table
  still scrolls sideways if they do not fit).
* ``truncate`` — ``{column: "sm" | "md" | "lg"}``: text longer than 8 / 12 / 18 em is cut with "…"
  and shown whole in the cell's tooltip.
* ``exempt_columns`` — always shown and first (the link to the object).

Phones: the key columns must fit 390 px. Long codes go through ``compact_code`` (the distinctive
tail shown, the whole code in the tooltip); a text column that needs room on an office screen
gets the class ``minw-12``/``minw-14``/``minw-24`` (a minimum width from 576 px up only), never an
inline ``min-width``.

A user's choice (``TablePreference``) is applied when the table is built with ``user=``; column
names the table does not have (any more) are ignored.
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_tables2 as tables
from django.utils.html import format_html

from .choices import CHANGE_ACTION_COLORS, IMPORT_STATUS_COLORS, JOB_STATUS_COLORS
from .models import ChangeLog, ImportAlias, ImportBatch, Job, OperationLog, TablePreference
from .people import OperatorColumn

#: Every ``BaseTable`` subclass by key (``"<app>.<ClassName>"``), for the 列设置 endpoint.
TABLES: dict[str, type[BaseTable]] = {}

TRUNCATE_SIZES = ("sm", "md", "lg")


def table_key(cls: type[tables.Table]) -> str:
    parts = cls.__module__.split(".")
    app = parts[1] if len(parts) > 2 and parts[0] == "jiangqiao" else parts[0]
    return f"{app}.{cls.__name__}"


class BaseTable(tables.Table):
    default_columns: ClassVar[tuple[str, ...] | None] = None
    key_columns: ClassVar[tuple[str, ...]] = ()
    truncate: ClassVar[dict[str, str]] = {}
    exempt_columns: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        TABLES[table_key(cls)] = cls

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.key = table_key(type(self))
        self.customized = False
        self.selected_columns = self.configurable_names()
        if user is None:
            # Exports and other callers without a person: every column, in table order.
            return
        chosen = None
        if getattr(user, "is_authenticated", False):
            chosen = self.clean_columns(
                TablePreference.objects.filter(user=user, table=self.key)
                .values_list("columns", flat=True)
                .first()
            )
        self.customized = bool(chosen)
        self.set_columns(chosen or self.default_column_names())

    # -- columns -----------------------------------------------------------------------------
    def configurable_names(self) -> list[str]:
        """The columns the user may choose from (all but the exempt ones), in table order."""
        return [n for n in self.columns.names() if n not in self.exempt_columns]

    def default_column_names(self) -> list[str]:
        names = self.default_columns or self.configurable_names()
        return [n for n in names if n in self.configurable_names()]

    def clean_columns(self, names: Any) -> list[str]:
        """``names`` without unknown, exempt or repeated names (order kept)."""
        allowed = set(self.configurable_names())
        result: list[str] = []
        for name in names if isinstance(names, list | tuple) else []:
            if isinstance(name, str) and name in allowed and name not in result:
                result.append(name)
        return result

    def set_columns(self, selected: list[str]) -> None:
        """Show the exempt and ``selected`` columns in that order; hide the rest."""
        shown = [*[n for n in self.exempt_columns if n in self.columns.names()], *selected]
        for name in self.columns.names():
            if name in shown:
                self.columns.show(name)
            else:
                self.columns.hide(name)
        self.sequence = [*shown, *[n for n in self.columns.names() if n not in shown]]
        self.selected_columns = selected

    def column_choices(self) -> list[dict[str, Any]]:
        """For the 列设置 dialog: the chosen columns in order, then the others."""
        names = self.configurable_names()
        ordered = [*self.selected_columns, *[n for n in names if n not in self.selected_columns]]
        return [
            {
                "name": name,
                "label": str(self.columns[name].header or name),
                "shown": name in self.selected_columns,
            }
            for name in ordered
        ]

    # -- presentation ------------------------------------------------------------------------
    def get_column_class_names(self, classes_set: set[str], bound_column: Any) -> set[str]:
        classes = super().get_column_class_names(classes_set, bound_column)
        name = bound_column.name
        size = self.truncate.get(name)
        if size in TRUNCATE_SIZES:
            classes.add(f"trunc-{size}")
        if self.key_columns and name not in self.key_columns and name not in self.exempt_columns:
            classes.add("col-opt")
        return classes


def compact_code(value: Any, *, keep: int = 2) -> Any:
    """``GD-440310-2026-000709`` → the last ``keep`` dash-separated parts on a phone, the whole
    code from 576 px up and in the tooltip (the head is ``.code-head``, hidden on phones)."""
    text = str(value or "")
    parts = text.split("-")
    if len(parts) <= keep:
        return text
    head = "-".join(parts[:-keep]) + "-"
    tail = "-".join(parts[-keep:])
    return format_html(
        '<span class="code" title="{}"><span class="code-head">{}</span>{}</span>', text, head, tail
    )


def _badge(label: Any, color: str) -> Any:
    return format_html('<span class="badge bg-{}-lt">{}</span>', color, label)


class ChangeLogTable(BaseTable):
    time = tables.DateTimeColumn(verbose_name="时间", format="Y-m-d H:i:s", linkify=True)
    user_name = OperatorColumn("操作人", row=True)
    action = tables.Column("动作")
    content_type = tables.Column("对象类型")
    object_repr = tables.Column("对象")
    org = tables.Column("所属组织")
    request_id = tables.Column("请求编号")

    key_columns = ("time", "user_name", "action", "object_repr")
    truncate = {"object_repr": "lg", "org": "md", "user_name": "sm"}

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


class OperationLogTable(BaseTable):
    time = tables.DateTimeColumn(verbose_name="时间", format="Y-m-d H:i:s", linkify=True)
    module = tables.Column("模块")
    business_type = tables.Column("业务类型")
    action = tables.Column("操作", attrs={"td": {"class": "wrap"}})
    user_name = OperatorColumn("操作人", row=True)
    ip = tables.Column("IP")
    status = tables.Column("结果")

    key_columns = ("time", "action", "status")

    class Meta:
        model = OperationLog
        fields = ("time", "module", "business_type", "action", "user_name", "ip", "status")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_status(self, value: str, record: OperationLog) -> Any:
        return _badge(value, "green" if record.status == "success" else "red")


class JobTable(BaseTable):
    title = tables.Column("名称", linkify=True)
    status = tables.Column("状态")
    progress = tables.Column("进度", empty_values=(), orderable=False)
    created_by = OperatorColumn("发起人", default="—")
    created_at = tables.DateTimeColumn(verbose_name="创建时间", format="Y-m-d H:i:s")
    finished_at = tables.DateTimeColumn(verbose_name="结束时间", format="Y-m-d H:i:s")

    key_columns = ("title", "status", "progress")
    truncate = {"title": "lg"}

    class Meta:
        model = Job
        fields = ("title", "status", "progress", "created_by", "created_at", "finished_at")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_status(self, value: str, record: Job) -> Any:
        return _badge(value, JOB_STATUS_COLORS.get(record.status, "secondary"))

    def render_progress(self, record: Job) -> str:
        return f"{record.percent}%"


class ImportBatchTable(BaseTable):
    created_at = tables.DateTimeColumn(verbose_name="上传时间", format="Y-m-d H:i", linkify=True)
    spec = tables.Column("导入类型")
    file_name = tables.Column("文件名", linkify=True)
    source_label = tables.Column("来源名单")
    status = tables.Column("状态")
    counts = tables.Column("新增/更新/重复/错误", empty_values=(), orderable=False)
    created_by = OperatorColumn("导入人", default="—")
    org = tables.Column("所属组织")

    key_columns = ("created_at", "spec", "status")
    truncate = {"file_name": "md", "source_label": "md", "org": "md"}

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


class ImportAliasTable(BaseTable):
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

    key_columns = ("spec", "column", "alias", "status")

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
