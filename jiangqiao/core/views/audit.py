"""The audit administrator's page of the chained logs: their last check and the export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from jiangqiao.core import auditchain
from jiangqiao.core.exceptions import BusinessError


def _check(request: HttpRequest) -> None:
    if not request.user.has_perm(auditchain.EXPORT_PERMISSION):
        raise PermissionDenied("只有审计管理员可以查看和导出审计日志链")


@login_required
def audit_chain(request: HttpRequest) -> HttpResponse:
    _check(request)
    logs = [(log, auditchain.log_label(log)) for log in sorted(auditchain.chained_models())]
    return render(
        request,
        "core/audit_chain.html",
        {"title": "审计日志完整性", "states": auditchain.states(), "logs": logs},
    )


@login_required
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    _check(request)
    try:
        header, lines = auditchain.export_start(
            actor=request.user, log=request.GET.get("log"), since=request.GET.get("since")
        )
    except BusinessError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    name = f"audit-{header['log']}-{header['from_seq']}-{header['to_seq']}.jsonl"
    response = StreamingHttpResponse(
        (line.encode() for line in lines), content_type="application/x-ndjson; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
