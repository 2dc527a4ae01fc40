"""Export of a filtered list: inline (streamed) when small, a background job when large.

``export_response`` is what a list page or an API list calls with its already scoped and filtered
queryset. Up to ``JIANGQIAO_EXPORT_INLINE_MAX`` rows the file is produced in the request (CSV is
streamed row by row; .xlsx is written in constant memory to a temporary file). Beyond that a job
(``export_list``) rebuilds the same queryset — same view, same query string, same user, so the same
data scope and filters — writes the file, stores it encrypted under ``MEDIA_ROOT/exports/`` and
offers it for download to the user who asked for it. Every export writes an operation-log row
(with the row count, the filters, the stated purpose and whether personal identifiers were
unmasked).

An export needs a stated purpose (用途); the file's first row names the exporter, the time and the
purpose (a watermark that travels with the file). Exports above ``JIANGQIAO_EXPORT_APPROVAL_ROWS``
rows — or ``JIANGQIAO_EXPORT_APPROVAL_UNMASKED_ROWS`` when the file carries identifiers in clear —
wait for the approval of someone holding ``core.approve_export`` (the security administrator);
once approved the export runs as a job of the requester, in his data scope.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.test import RequestFactory
from django.utils import timezone
from django.utils.http import content_disposition_header

from jiangqiao.core import approvals
from jiangqiao.core.choices import BusinessType
from jiangqiao.core.crypto import decrypt_bytes, encrypt_bytes
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.jobs import job_kind, job_start
from jiangqiao.core.models import Job
from jiangqiao.core.operations import record_operation
from jiangqiao.core.sensitive import clean_purpose

from . import export as X
from .registry import EXPORTS

EXPORT_JOB = "export_list"
FORMATS = {"xlsx", "csv"}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
EXPORT_DIR = "exports"


RowsFn = Callable[[Any, Any, Callable[[int], None] | None], Iterator[list[Any]]]


def _rows_for(
    model: Any,
    table_class: Any,
    title: str,
    user: Any,
    serializer_class: Any = None,
    request: Any = None,
) -> tuple[RowsFn, list[int], bool]:
    """How to turn the queryset into rows: the model's ExportSpec, else the table's columns."""
    meta = model._meta
    spec = EXPORTS.get(f"{meta.app_label}.{meta.model_name}")
    if spec is not None:
        ctx = X.context_for(spec, user)

        def produce(
            qs: Any, _user: Any, progress: Callable[[int], None] | None
        ) -> Iterator[list[Any]]:
            return X.rows(spec, qs, ctx, progress=progress)

        return produce, [c.width for c in spec.columns], ctx.reveal
    if table_class is None:
        serializer_rows = X.serializer_spec(serializer_class, {"request": request})

        def produce_api(
            qs: Any, _user: Any, progress: Callable[[int], None] | None
        ) -> Iterator[list[Any]]:
            return serializer_rows(qs, _user)

        return produce_api, [], False
    table_rows = X.table_spec(table_class, title)

    def produce_table(
        qs: Any, _user: Any, progress: Callable[[int], None] | None
    ) -> Iterator[list[Any]]:
        return table_rows(qs, _user)

    return produce_table, [], False


def watermark(user: Any, purpose: str, when: dt.datetime | None = None) -> str:
    """The first row of every exported file: who exported it, when, and why."""
    when = timezone.localtime(when or timezone.now())
    org = getattr(getattr(user, "org", None), "name", "") or "未分配组织"
    name = getattr(user, "display_name", "") or getattr(user, "username", "")
    return (
        f"导出人：{name}（{getattr(user, 'username', '')}），{org}，{when:%Y-%m-%d %H:%M}；"
        f"用途：{purpose}。含个人信息，仅限本用途使用，不得外传。"
    )


def approval_threshold(revealed: bool) -> int:
    """Rows above which an export waits for approval (smaller when identifiers are in clear)."""
    if revealed:
        return int(getattr(settings, "JIANGQIAO_EXPORT_APPROVAL_UNMASKED_ROWS", 500))
    return int(getattr(settings, "JIANGQIAO_EXPORT_APPROVAL_ROWS", 10_000))


def no_store(response: HttpResponseBase) -> HttpResponseBase:
    """Exported files hold personal data: never kept by a browser or a proxy cache."""
    response["Cache-Control"] = "no-store, private"
    return response


def export_response(
    request: HttpRequest,
    *,
    queryset: Any,
    table_class: Any,
    title: str,
    fmt: str,
    view_path: str = "",
    serializer_class: Any = None,
    purpose: str = "",
    purpose_field: str = "_purpose",
) -> HttpResponseBase:
    """The export of ``queryset`` for ``request.user``: the file, a redirect to the export job, or
    (above the approval threshold) a redirect to the approval request it filed."""
    if fmt not in FORMATS:
        raise BusinessError("导出格式只能是 xlsx 或 csv", field="_export")
    purpose = clean_purpose(purpose, field=purpose_field, what="导出")
    user = request.user
    total = queryset.count()
    if fmt == "xlsx" and total > X.XLSX_MAX_ROWS:
        raise BusinessError(
            f"共 {total} 条，超过 Excel 单个工作表 {X.XLSX_MAX_ROWS} 行的上限，"
            "请缩小筛选范围或导出为 CSV",
            field="_export",
        )
    produce, widths, revealed = _rows_for(
        queryset.model, table_class, title, user, serializer_class, request
    )
    query = request.GET.copy()
    for name in ("_export", "_purpose", "purpose", "page", "file_format", "format"):
        query.pop(name, None)
    params = {
        "view": view_path,
        "query": query.urlencode(),
        "format": fmt,
        "title": title,
        "purpose": purpose,
    }
    limit = approval_threshold(revealed)
    if total > limit and view_path:
        approval = approvals.approval_request(
            actor=user,
            kind=EXPORT_APPROVAL,
            title=f"导出{title} {total} 条（{fmt}）"[:200],
            payload={**params, "rows": total, "unmasked": revealed},
            org=getattr(user, "org", None),
            reason=purpose,
        )
        detail = (
            f"导出 {total} 条超过 {limit} 条"
            + ("（含身份证号、手机号明文）" if revealed else "")
            + "，须经安全管理员审批；批准后自动生成文件并通知您。"
        )
        if view_path.startswith("api:"):
            return JsonResponse(
                {"detail": detail, "approval": approval.pk, "status": "pending"}, status=202
            )
        from django.contrib import messages

        messages.warning(request, detail)
        return redirect(approval.get_absolute_url())
    if total > X.inline_max() and view_path:
        job = job_start(
            actor=user,
            kind=EXPORT_JOB,
            params=params,
            title=f"导出{title}（{total} 条，{fmt}）"[:200],
        )
        return redirect(job.get_absolute_url())
    name = X.file_name(title, fmt)
    mark = watermark(user, purpose)
    _log(user, title, total, fmt, query.urlencode(), revealed, inline=True, purpose=purpose)
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(
            X.csv_stream(produce(queryset, user, None), watermark=mark),
            content_type=CONTENT_TYPES["csv"],
        )
    else:
        handle = X.xlsx_bytes(
            produce(queryset, user, None), title=title, widths=widths, watermark=mark
        )
        response = FileResponse(handle, content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return no_store(response)


def _log(
    user: Any,
    title: str,
    total: int,
    fmt: str,
    query: str,
    revealed: bool,
    *,
    inline: bool,
    purpose: str = "",
) -> None:
    record_operation(
        actor=user,
        module=title,
        business_type=BusinessType.EXPORT,
        action=f"导出{title} {total} 条（{fmt}）"
        + ("，含身份证号、手机号明文" if revealed else "")
        + (f"；用途：{purpose}" if purpose else ""),
        extra={
            "rows": total,
            "format": fmt,
            "filters": query[:1000],
            "unmasked": revealed,
            "inline": inline,
            "purpose": purpose,
        },
    )


def _view_class(path: str) -> Any:
    from rest_framework.viewsets import GenericViewSet

    from jiangqiao.core.views.generic import ObjectListView

    is_api = path.startswith("api:")
    module_name, _, class_name = path.removeprefix("api:").rpartition(".")
    if not module_name.startswith("jiangqiao."):
        raise BusinessError("导出来源不正确")
    cls = getattr(importlib.import_module(module_name), class_name, None)
    base = GenericViewSet if is_api else ObjectListView
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise BusinessError("导出来源不正确")
    return cls


def _rebuild(path: str, query: str, user: Any) -> tuple[Any, Any, Any, str, Any]:
    """The queryset the user exported (same view, filters and scope), its table/serializer."""
    from rest_framework.request import Request

    cls = _view_class(path)
    request: Any = RequestFactory().get("/")
    request.GET = QueryDict(query)
    request.user = user
    if path.startswith("api:"):
        drf_request = Request(request)
        drf_request.user = user
        viewset = cls(request=drf_request, format_kwarg=None, action="list", args=(), kwargs={})
        queryset = viewset.filter_queryset(viewset.get_queryset())
        model = queryset.model
        title = str(model._meta.verbose_name_plural)
        return queryset, None, viewset.get_serializer_class(), title, drf_request
    view = cls()
    view.request = request
    view.args, view.kwargs = (), {}
    return view.filtered_queryset(), cls.table_class, None, view.export_title(), request


def store_file(data: bytes, fmt: str) -> str:
    """Store a finished export file encrypted under ``EXPORT_DIR``; returns its storage name.

    Export files are rewritten under a new field key by ``manage.py rotate_field_key``
    (``core.keyrotation``), so a name kept in a job's result stays readable after a rotation."""
    return default_storage.save(
        f"{EXPORT_DIR}/{uuid.uuid4().hex}.{fmt}.enc", ContentFile(encrypt_bytes(data))
    )


def read_stored_file(name: str) -> bytes:
    """The decrypted content of a stored export file (a name taken from a job's result)."""
    if not name.startswith(f"{EXPORT_DIR}/") or ".." in name:
        raise BusinessError("导出文件：文件不存在")
    try:
        with default_storage.open(name, "rb") as handle:
            return decrypt_bytes(handle.read())
    except (FileNotFoundError, OSError) as exc:
        raise BusinessError("导出文件：已过期被清理，请重新导出") from exc


def _cleanup_old_files() -> None:
    keep = int(getattr(settings, "JIANGQIAO_EXPORT_KEEP_DAYS", 3))
    cutoff = timezone.now() - dt.timedelta(days=keep)
    try:
        _, files = default_storage.listdir(EXPORT_DIR)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for name in files:
        path = f"{EXPORT_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (OSError, NotImplementedError):
            continue


@job_kind(EXPORT_JOB, title="导出列表")
def _export_job(job: Job, progress: Any) -> dict[str, Any]:
    params = job.params
    fmt = params.get("format", "xlsx")
    if fmt not in FORMATS:
        raise BusinessError("导出格式不正确")
    user = job.created_by
    queryset, table_class, serializer_class, title, request = _rebuild(
        str(params.get("view", "")), str(params.get("query", "")), user
    )
    total = queryset.count()
    progress(0, total, "正在导出")
    title = str(params.get("title") or title)
    produce, widths, revealed = _rows_for(
        queryset.model, table_class, title, user, serializer_class, request
    )

    def tick(done: int) -> None:
        progress(done, total, f"已导出 {done}/{total} 条")

    purpose = str(params.get("purpose") or "")
    mark = watermark(user, purpose) if purpose else ""

    import tempfile

    with tempfile.TemporaryFile() as handle:
        if fmt == "csv":
            for chunk in X.csv_stream(produce(queryset, user, tick), watermark=mark):
                handle.write(chunk)
        else:
            X.write_xlsx(
                produce(queryset, user, tick),
                handle,
                title=title,
                widths=widths,
                parallel=total >= X.PARALLEL_XLSX_ROWS,
                watermark=mark,
            )
        handle.seek(0)
        data = handle.read()
    _cleanup_old_files()
    name = store_file(data, fmt)
    _log(
        user,
        title,
        total,
        fmt,
        str(params.get("query", "")),
        revealed,
        inline=False,
        purpose=purpose,
    )
    return {
        "file": name,
        "rows": total,
        "format": fmt,
        "name": X.file_name(title, fmt),
        "download": f"/exports/{job.pk}/download/",
    }


def download_response(job: Job) -> HttpResponse:
    result = job.result or {}
    data = read_stored_file(str(result.get("file", "")))
    fmt = str(result.get("format", "xlsx"))
    response = HttpResponse(data, content_type=CONTENT_TYPES.get(fmt, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(
        True, str(result.get("name") or f"export.{fmt}")
    )
    no_store(response)
    return response


def _approved_export(request: Any, approver: Any) -> dict[str, Any]:
    """An approved export runs as a job of the requester (his data scope, his file)."""
    payload = request.payload
    params = {k: payload.get(k) for k in ("view", "query", "format", "title", "purpose")}
    _view_class(str(params["view"]))  # still a list that can be exported
    job = job_start(
        actor=request.requested_by,
        kind=EXPORT_JOB,
        params=params,
        title=f"导出{params['title']}（{payload.get('rows')} 条，{params['format']}，已审批）"[
            :200
        ],
    )
    return {"job": job.pk, "link": job.get_absolute_url(), "link_label": "查看导出任务并下载"}


EXPORT_APPROVAL = "core.export"
approvals.register(
    approvals.ApprovalKind(
        code=EXPORT_APPROVAL,
        label="大批量导出",
        approver_permission="core.approve_export",
        apply=_approved_export,
        module="数据导出",
        describe=lambda request: [
            ("条数", request.payload.get("rows")),
            ("格式", request.payload.get("format")),
            (
                "身份证号、手机号",
                "明文" if request.payload.get("unmasked") else "脱敏",
            ),
            ("筛选条件", request.payload.get("query") or "（无，全部数据）"),
        ],
    )
)
