"""Pages of the exchange app: batch list and detail (with the report), export and import forms.

Thin: reads through selectors, writes through ``services`` (which check permission and scope).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectListView,
    ScopedMixin,
    SubmitOnceMixin,
)

from . import format as fmt
from . import selectors, services
from .choices import BATCH_STATUS_COLORS, Outcome
from .filtersets import BatchFilterSet
from .forms import ExportForm, ImportForm
from .models import ExchangeBatch
from .tables import BatchTable


class BatchListView(ObjectListView):
    model = ExchangeBatch
    filterset_class = BatchFilterSet
    table_class = BatchTable
    title = "交换批次"
    extra_buttons = [
        ("导出交换文件", "exchange:export", services.EXPORT_PERMISSION),
        ("导入交换文件", "exchange:import", services.IMPORT_PERMISSION),
    ]

    def get_table_queryset(self) -> Any:
        return selectors.batch_list(user=self.request.user)

    def add_url(self) -> str | None:
        return None


class BatchDetailView(ObjectDetailView):
    model = ExchangeBatch
    template_name = "exchange/exchangebatch_detail.html"
    changelog_tab = False

    def get_extra_context(self, obj: ExchangeBatch) -> dict[str, Any]:
        report = obj.report or {}
        errors = [{**e, "text": services.error_text(e)} for e in report.get("errors") or []]
        records = report.get("records") or []
        return {
            "title": f"{obj}：{obj.file_name or obj.sha256[:12]}",
            "status_color": BATCH_STATUS_COLORS.get(obj.status, "secondary"),
            "errors": errors,
            "conflicts": report.get("conflicts") or [],
            "skipped": report.get("skipped") or [],
            "applied": [r for r in records if r.get("outcome") in (Outcome.NEW, Outcome.UPDATED)][
                :500
            ],
            "truncated": report.get("truncated"),
            "counts": (report.get("counts") or {}),
            "import_form": (
                ImportForm(user=self.request.user, initial={"dry_run": False})
                if obj.direction == "import"
                and obj.status == "dry_run"
                and self.request.user.has_perm(services.IMPORT_PERMISSION)
                else None
            ),
        }


class ExportView(SubmitOnceMixin, ScopedMixin, View):
    """GET: the form. POST: stream the .jsonl file (and write the batch row) — once per form
    token: a repeat is sent to the batch page instead of writing a second batch."""

    model = ExchangeBatch
    action = "export"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not request.user.has_perm(services.EXPORT_PERMISSION):
            raise PermissionDenied("您没有导出交换文件的权限")
        return super(ScopedMixin, self).dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def _render(self, request: HttpRequest, form: ExportForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "exchange/export.html",
            {
                "title": "导出交换文件",
                "form": form,
                "instance": fmt.instance_id(),
                "cursor_now": selectors.cursor_now(),
                "last": selectors.batch_list(user=request.user)
                .filter(direction="export", status="done")
                .order_by("-pk")
                .first(),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, ExportForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponseBase:
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        form = ExportForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(request, form, status=400)
        try:
            done = self.create_once(
                lambda: services.export_start(
                    actor=request.user,
                    types=form.cleaned_data["types"],
                    since=form.cleaned_data["since"],
                    pii=form.cleaned_data["pii"],
                ),
                lambda started: str(started[0].get_absolute_url()),
            )
        except BusinessError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self._render(request, form, status=400)
        if done.replayed or done.result is None:
            return self.replayed(done.url)
        batch, lines = done.result
        response = StreamingHttpResponse(lines, content_type=f"{fmt.CONTENT_TYPE}; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, batch.file_name)
        response["X-Exchange-Batch"] = str(batch.pk)
        return response


class ImportView(SubmitOnceMixin, ScopedMixin, View):
    """Upload a file (预检 or 正式导入), once per form token: a repeat goes to the batch page."""

    model = ExchangeBatch
    action = "import"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not request.user.has_perm(services.IMPORT_PERMISSION):
            raise PermissionDenied("您没有导入交换文件的权限")
        return super(ScopedMixin, self).dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def _render(self, request: HttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            "exchange/import.html",
            {"title": "导入交换文件", "form": form, "instance": fmt.instance_id()},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, ImportForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self._render(request, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            if upload.size > services.MAX_FILE_BYTES:
                raise BusinessError("文件过大，请按类型或游标分批导出", field="file")
            done = self.create_once(
                lambda: services.import_file(
                    actor=request.user,
                    content=upload.read(),
                    file_name=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                    target_org=form.cleaned_data["target_org"],
                ),
                lambda row: str(row.get_absolute_url()),
            )
        except BusinessError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self._render(request, form, status=400)
        if done.replayed or done.result is None:
            return self.replayed(done.url)
        batch = done.result
        if batch.status == "failed":
            messages.error(request, f"文件有 {batch.error_count} 行错误，未写入任何数据，详见报告")
        elif batch.dry_run:
            messages.info(
                request, "预检完成（未写入）。确认报告无误后，在本页下方选择同一文件正式导入"
            )
        else:
            messages.success(
                request,
                f"导入完成：新增 {batch.new_count}，更新 {batch.updated_count}，未变化 "
                f"{batch.unchanged_count}，冲突 {batch.conflict_count}，跳过 {batch.skipped_count}",
            )
        return redirect(batch)
