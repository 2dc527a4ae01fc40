"""Pages of the exchange app: batch list and detail (with the report), export and import forms.

Thin: reads through selectors, writes through ``services`` (which check permission and scope).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
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
from . import live, selectors, services
from .choices import BATCH_STATUS_COLORS, Outcome, RecordType
from .filtersets import BatchFilterSet
from .forms import ExportForm, ImportForm, PeerForm
from .models import ExchangeBatch, ExchangePeer
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


# ------------------------------------------------------------------------------------------------
# Live exchange peers (docs/exchange.md §11)
# ------------------------------------------------------------------------------------------------


def _peer_or_404(request: HttpRequest, pk: int) -> ExchangePeer:
    peer = selectors.peer_list(user=request.user).filter(pk=pk).first()
    if peer is None:
        raise Http404("交换对端不存在或不在您的数据范围内")
    return peer


class PeerListView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("exchange.view_exchangepeer"):
            raise PermissionDenied("您没有查看交换对端的权限")
        peers = list(selectors.peer_list(user=request.user))
        rows = [(p, live.lag_text(live.lag_seconds(p))) for p in peers]
        return render(
            request,
            "exchange/peer_list.html",
            {
                "title": "实时交换",
                "rows": rows,
                "instance": fmt.instance_id(),
                "cursor_now": selectors.cursor_now(),
                "can_add": request.user.has_perm("exchange.add_exchangepeer"),
                "can_sync": request.user.has_perm(live.SYNC_PERMISSION),
                "outcomes": live.OUTCOME_LABELS,
            },
        )


class PeerDetailView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("exchange.view_exchangepeer"):
            raise PermissionDenied("您没有查看交换对端的权限")
        peer = _peer_or_404(request, pk)
        result = peer.last_result or {}
        return render(
            request,
            "exchange/peer_detail.html",
            {
                "title": f"交换对端：{peer.name}",
                "peer": peer,
                "lag": live.lag_text(live.lag_seconds(peer)),
                "result": result,
                "result_label": live.OUTCOME_LABELS.get(result.get("result", ""), ""),
                "conflicts": result.get("conflicts") or [],
                "types": "、".join(RecordType(t).label for t in peer.types) or "全部类型",
                "can_change": request.user.has_perm(live.MANAGE_PERMISSION),
                "can_sync": request.user.has_perm(live.SYNC_PERMISSION),
            },
        )


class PeerFormView(LoginRequiredMixin, View):
    """新增 (no pk) or 修改 a peer."""

    def _peer(self, request: HttpRequest, pk: int | None) -> ExchangePeer | None:
        perm = live.MANAGE_PERMISSION if pk else "exchange.add_exchangepeer"
        if not request.user.has_perm(perm):
            raise PermissionDenied("您没有配置交换对端的权限")
        return _peer_or_404(request, pk) if pk else None

    def _render(
        self, request: HttpRequest, form: PeerForm, peer: ExchangePeer | None, status: int = 200
    ) -> HttpResponse:
        title = f"修改交换对端：{peer.name}" if peer else "新增交换对端"
        return render(
            request,
            "exchange/peer_form.html",
            {"title": title, "form": form, "peer": peer},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        peer = self._peer(request, pk)
        initial = (
            {
                "name": peer.name,
                "base_url": peer.base_url,
                "run_as": peer.run_as_id,
                "types": peer.types,
                "pii": peer.pii,
                "interval_minutes": peer.interval_minutes,
                "is_active": peer.is_active,
            }
            if peer
            else None
        )
        return self._render(request, PeerForm(user=request.user, initial=initial), peer)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        peer = self._peer(request, pk)
        form = PeerForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(request, form, peer, status=400)
        try:
            saved = live.peer_save(actor=request.user, data=dict(form.cleaned_data), peer=peer)
        except BusinessError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self._render(request, form, peer, status=400)
        messages.success(request, f"交换对端“{saved.name}”已保存")
        return redirect(saved)


class PeerSyncView(LoginRequiredMixin, View):
    """立即同步 (POST)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(live.SYNC_PERMISSION):
            raise PermissionDenied("您没有立即同步交换对端的权限")
        peer = _peer_or_404(request, pk)
        outcome = live.peer_sync(peer=peer, actor=request.user)
        label = live.OUTCOME_LABELS.get(outcome, outcome)
        if outcome == "failed":
            peer.refresh_from_db()
            messages.error(request, f"同步失败（批次保留，下次原样重发）：{peer.last_error}")
        else:
            messages.success(request, f"同步完成：{label}")
        return redirect(peer)
