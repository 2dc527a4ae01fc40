"""Pages of the import workflow (upload → check → merge choices → commit) and export downloads."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.views import View

from jiangqiao.core.choices import (
    IMPORT_STATUS_COLORS,
    ImportMode,
    ImportStatus,
    JobStatus,
    MergePolicy,
)
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.forms import LocalizedForm
from jiangqiao.core.io import services
from jiangqiao.core.io.exporting import download_response
from jiangqiao.core.io.registry import check_importer, importer_class
from jiangqiao.core.io.template import build_template, kind_hint
from jiangqiao.core.models import ImportAlias, ImportBatch, Job
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.uploads import LimitedFileField

from .generic import ObjectEditView, ObjectListView, ObjectStatusView, SubmitOnceMixin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFLICTS_SHOWN = 50


class UploadForm(LocalizedForm):
    file = LimitedFileField(
        kind="import",
        label="导入文件",
        help_text="支持 .xlsx 和 .csv（UTF-8 或 GBK 编码）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    source_label = forms.CharField(
        label="来源名单",
        max_length=100,
        required=False,
        help_text="如：深圳市总工会2026年劳模工匠名单；不填则用文件名。每条数据都会记录来源",
    )
    mode = forms.ChoiceField(label="提交方式", choices=ImportMode.choices, initial=ImportMode.ALL)
    policy = forms.ChoiceField(
        label="与已有数据重复时", choices=MergePolicy.choices, initial=MergePolicy.FILL_BLANKS
    )


class OptionsForm(LocalizedForm):
    mode = forms.ChoiceField(label="提交方式", choices=ImportMode.choices)
    policy = forms.ChoiceField(label="与已有数据重复时", choices=MergePolicy.choices)


def _nav_to_list(request: HttpRequest, importer: Any) -> None:
    """Light up the menu item of the list the import fills (not 系统管理 › 导入记录)."""
    meta = importer.model._meta
    try:
        request.nav_path = reverse(f"{meta.app_label}:{meta.model_name}_list")  # type: ignore[attr-defined]
    except NoReverseMatch:
        return


def _importer_or_404(request: HttpRequest, key: str) -> Any:
    if not request.user.is_authenticated:
        raise PermissionDenied
    return check_importer(request.user, key)


class ImportStartView(LoginRequiredMixin, View):
    """The import page of one kind: template download, upload form, recent batches."""

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        importer = _importer_or_404(request, key)
        return self.render(request, importer, UploadForm())

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        importer = _importer_or_404(request, key)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, importer, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            services.check_upload_size(upload.size or 0)
            batch = services.import_upload(
                actor=request.user,
                spec_key=key,
                file_name=upload.name,
                data=upload.read(),
                source_label=form.cleaned_data["source_label"],
            )
            services.import_set_options(
                actor=request.user,
                batch=batch,
                mode=form.cleaned_data["mode"],
                policy=form.cleaned_data["policy"],
                decisions=self.context_decisions() or None,
            )
            if services.needs_job(batch):
                services.start_job(actor=request.user, batch=batch, commit=False)
            else:
                services.import_check(actor=request.user, batch=batch)
        except BusinessError as exc:
            form.add_error("file" if exc.field in (None, "file") else None, exc.message)
            return self.render(request, importer, form, status=400)
        return redirect(batch.get_absolute_url())

    def context_decisions(self) -> dict[str, dict[str, str]]:
        """What an app's own import page (an import opened for one object, e.g. the trainees of
        one class) keeps on the batch for its importer, under a key no merge group uses."""
        return {}

    def page_title(self, spec: Any) -> str:
        return f"批量导入{spec.title}"

    def render(
        self, request: HttpRequest, importer: Any, form: Any, status: int = 200
    ) -> HttpResponse:
        _nav_to_list(request, importer)
        spec = importer.spec
        recent = (
            ImportBatch.objects.visible_to(request.user, "view")
            .filter(spec=spec.key)
            .select_related("created_by")[:10]
        )
        columns = [
            {
                "label": c.label,
                "required": c.required,
                "hint": kind_hint(c),
                "note": c.note,
                "aliases": "、".join(c.aliases),
            }
            for c in spec.columns
        ]
        return render(
            request,
            "core/import_start.html",
            {
                "title": self.page_title(spec),
                "spec": spec,
                "form": form,
                "recent": recent,
                "columns": columns,
                "status_colors": IMPORT_STATUS_COLORS,
            },
            status=status,
        )


class ImportTemplateView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        importer = _importer_or_404(request, key)
        response = HttpResponse(build_template(importer.spec), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(
            True, f"{importer.spec.title}导入模板.xlsx"
        )
        return response


class BatchMixin(LoginRequiredMixin):
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm("core.view_importbatch"):
            raise PermissionDenied("您没有查看导入批次的权限")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]

    def batch(self, pk: int) -> ImportBatch:
        return get_object_or_404(ImportBatch.objects.visible_to(self.request.user, "view"), pk=pk)

    def owned_batch(self, pk: int) -> ImportBatch:
        """A batch the user may act on: in scope, and an import kind the user may use."""
        batch = self.batch(pk)
        check_importer(self.request.user, batch.spec)
        return batch


class ImportBatchListView(ObjectListView):
    model = ImportBatch
    title = "导入记录"
    exportable = False

    @property
    def table_class(self) -> Any:  # type: ignore[override]
        from jiangqiao.core.tables import ImportBatchTable

        return ImportBatchTable

    def get_table_queryset(self) -> Any:
        return (
            self.get_queryset()
            .select_related("created_by", "org")
            .defer("file_data", "error_workbook")
        )


class ImportBatchDetailView(SubmitOnceMixin, BatchMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = self.batch(pk)
        htmx = getattr(request, "htmx", None)
        job = batch.job
        broken = services.interrupted(batch)
        running = batch.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING) and not broken
        if htmx and not htmx.boosted and request.GET.get("progress"):
            if not running or (job and job.is_finished):
                response = HttpResponse("")
                response["HX-Refresh"] = "true"
                return response
            return render(request, "core/_import_progress.html", {"batch": batch, "job": job})
        importer = importer_class(batch.spec)
        _nav_to_list(request, importer)
        came_from = importer.came_from(batch, request.user)
        if came_from:
            request.nav_path = came_from["url"]  # type: ignore[attr-defined]
        result = batch.result or {}
        conflicts = result.get("conflicts") or []
        return render(
            request,
            "core/import_detail.html",
            {
                "came_from": came_from,
                "title": f"导入{importer.spec.title}：{batch.file_name}",
                "batch": batch,
                "spec": importer.spec,
                "result": result,
                "counts": batch.counts,
                "committed": result.get("committed_counts"),
                "messages_shown": (result.get("messages") or [])[:200],
                "conflicts": conflicts[:CONFLICTS_SHOWN],
                "conflicts_hidden": max(0, (result.get("conflict_total") or 0) - CONFLICTS_SHOWN),
                "options": OptionsForm(initial={"mode": batch.mode, "policy": batch.policy}),
                "running": running,
                "job": job,
                "job_failed": broken
                or bool(
                    job
                    and job.status in (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)
                ),
                "job_stale": bool(job and job.is_stale),
                "previous": services.previous_import(batch),
                "status_colors": IMPORT_STATUS_COLORS,
                "can_commit": batch.status == ImportStatus.CHECKED or (broken and bool(result)),
                "form_token": self.issue_form_token(),
            },
        )


class ImportBatchActionView(SubmitOnceMixin, BatchMixin, View):
    """POST ``action=recheck|commit`` with the options and the field-by-field merge choices.

    The commit runs once per page: a repeated POST (double click, reload, back and resubmit)
    goes back to the batch saying it was already submitted (``core.submissions``)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = self.owned_batch(pk)
        action = request.POST.get("action", "recheck")
        if action == "commit" and (earlier := self.earlier_submission()) is not None:
            return earlier
        options = OptionsForm(request.POST)
        decisions: dict[str, dict[str, str]] = {}
        for name in request.POST:
            # merge__<group key>__<field> = <source>
            if name.startswith("merge__") and name.count("__") >= 2:
                _, key, field = name.split("__", 2)
                value = str(request.POST.get(name, ""))
                if key and field and value:
                    decisions.setdefault(key, {})[field] = value
        try:
            services.import_set_options(
                actor=request.user,
                batch=batch,
                mode=options.data.get("mode") or batch.mode,
                policy=options.data.get("policy") or batch.policy,
                decisions=decisions,
            )
            if action == "commit":
                done = self.create_once(
                    lambda: self._commit(batch), lambda _: batch.get_absolute_url()
                )
                if done.replayed:
                    return self.replayed(done.url)
            else:
                if services.needs_job(batch):
                    services.start_job(actor=request.user, batch=batch, commit=False)
                else:
                    services.import_check(actor=request.user, batch=batch)
                    messages.success(request, "已按所选规则重新检查")
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect(batch.get_absolute_url())

    def _commit(self, batch: ImportBatch) -> ImportBatch:
        if services.needs_job(batch):
            services.start_job(actor=self.request.user, batch=batch, commit=True)
            return batch
        services.import_commit(actor=self.request.user, batch=batch)
        counts = batch.result.get("committed_counts") or batch.counts
        messages.success(
            self.request,
            f"导入完成：新增 {counts.get('new', 0)} 条，更新 {counts.get('update', 0)} 条，"
            f"无变化 {counts.get('unchanged', 0)} 条，重复合并 {counts.get('duplicate', 0)} 条，"
            f"错误 {counts.get('error', 0)} 条",
        )
        return batch

    def replay_fallback_url(self) -> str:
        return reverse("core:importbatch_list")


class ImportErrorsView(BatchMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = self.owned_batch(pk)
        data = services.error_workbook_bytes(batch)
        if data is None:
            messages.info(request, "没有错误数据")
            return redirect(batch.get_absolute_url())
        response = HttpResponse(data, content_type=XLSX)
        stem = batch.file_name.rsplit(".", 1)[0]
        response["Content-Disposition"] = content_disposition_header(True, f"{stem}_错误数据.xlsx")
        return response


class ExportDownloadView(LoginRequiredMixin, View):
    """The file of a finished export job, for the user who started it."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(
            Job.objects.visible_to(request.user, "view").filter(created_by=request.user),
            pk=pk,
            kind="export_list",
            status=JobStatus.SUCCEEDED,
        )
        try:
            return download_response(job)
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect(job.get_absolute_url())


# ------------------------------------------------------------------------------------------------
# Header aliases
# ------------------------------------------------------------------------------------------------


def _column_choices() -> list[tuple[str, str]]:
    from jiangqiao.core.io.registry import IMPORTERS

    return [
        (f"{key}|{col.name}", f"{importer.spec.title} · {col.label}")
        for key, importer in sorted(IMPORTERS.items())
        for col in importer.spec.columns
    ]


class ImportAliasForm(LocalizedForm):
    target = forms.ChoiceField(label="导入类型 · 字段", choices=())
    alias = forms.CharField(
        label="表头别名",
        max_length=50,
        help_text="其他单位表格中该列的写法，如“证件号码”“所属单位”；匹配时忽略空格、括号和 *",
    )

    def __init__(self, *args: Any, user: Any = None, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial", {"target": f"{instance.spec}|{instance.column}", "alias": instance.alias}
            )
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = _column_choices()  # type: ignore[attr-defined]


class ImportAliasListView(ObjectListView):
    model = ImportAlias
    title = "导入表头别名"

    @property
    def table_class(self) -> Any:  # type: ignore[override]
        from jiangqiao.core.tables import ImportAliasTable

        return ImportAliasTable


class ImportAliasEditView(ObjectEditView):
    model = ImportAlias
    form_class = ImportAliasForm

    def save_form(self, form: Any, obj: Any) -> Any:
        spec_key, _, column = form.cleaned_data["target"].partition("|")
        if obj is None:
            return services.alias_create(
                actor=self.request.user,
                spec_key=spec_key,
                column=column,
                alias=form.cleaned_data["alias"],
            )
        return services.alias_update(
            actor=self.request.user,
            row=obj,
            spec_key=spec_key,
            column=column,
            alias=form.cleaned_data["alias"],
        )


class ImportAliasStatusView(ObjectStatusView):
    model = ImportAlias

    def set_status(self, obj: Any, status: str) -> Any:
        return services.alias_set_status(actor=self.request.user, row=obj, status=status)
