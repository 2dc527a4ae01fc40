"""Upload and request-size limits (issue 17, point 3): one figure per kind of file, in settings.

Kinds and their settings (read from the environment of the same name):

* ``import`` — spreadsheets of the import pages and ``/api/v1/imports/`` (JIANGQIAO_IMPORT_MAX_BYTES);
* ``exchange`` — national exchange files, page and API (JIANGQIAO_EXCHANGE_MAX_BYTES);
* ``evidence`` — evidence files of service sessions (JIANGQIAO_EVIDENCE_MAX_BYTES);
* ``attachment`` — attachments of demands: photos, drawings, PDFs (JIANGQIAO_ATTACHMENT_MAX_BYTES).

A new kind of upload adds its setting and a line to :data:`KIND_SETTINGS`.

Forms use :class:`LimitedFileField`, serializers :class:`LimitedUploadField`; the services check
again with :func:`check_size` (imports and the exchange also arrive by other paths). Above all of
them, :class:`RequestSizeLimitMiddleware` refuses a request body larger than
``JIANGQIAO_REQUEST_MAX_BYTES`` (nginx's ``client_max_body_size`` is set to the same figure) with
HTTP 413 and a Chinese page or JSON body, before anything is read; a form body without files above
``DATA_UPLOAD_MAX_MEMORY_SIZE`` gets the same answer from the 400 handler (``views/errors.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from rest_framework import serializers

from .exceptions import BusinessError

KIND_SETTINGS = {
    "import": "JIANGQIAO_IMPORT_MAX_BYTES",
    "exchange": "JIANGQIAO_EXCHANGE_MAX_BYTES",
    "evidence": "JIANGQIAO_EVIDENCE_MAX_BYTES",
    "attachment": "JIANGQIAO_ATTACHMENT_MAX_BYTES",
}
KIND_LABELS = {
    "import": "导入文件",
    "exchange": "交换文件",
    "evidence": "佐证材料",
    "attachment": "附件",
}


def upload_limit(kind: str) -> int:
    """The largest file of ``kind`` accepted, in bytes."""
    return int(getattr(settings, KIND_SETTINGS[kind]))


def request_limit() -> int:
    return int(settings.JIANGQIAO_REQUEST_MAX_BYTES)


def human_size(size: int) -> str:
    """``10 MB``, ``12.3 MB``, ``800 KB``, ``72 字节``: how the messages show a size."""
    if size >= 1024 * 1024:
        text = f"{size / 1024 / 1024:.1f}".removesuffix(".0")
        return f"{text} MB"
    if size >= 1024:
        return f"{round(size / 1024)} KB"
    return f"{size} 字节"


def too_large_message(label: str, size: int, limit: int) -> str:
    return f"{label}：文件大小 {human_size(size)}，超过上限 {human_size(limit)}"


def check_size(size: int, kind: str, *, label: str | None = None, field: str = "file") -> None:
    """Raise :class:`BusinessError` naming the field when ``size`` is above the kind's limit."""
    limit = upload_limit(kind)
    if size > limit:
        raise BusinessError(too_large_message(label or KIND_LABELS[kind], size, limit), field=field)


class LimitedFileField(forms.FileField):
    """A form file field that refuses a file above its kind's limit (message names the field)."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        size = int(getattr(value, "size", 0) or 0)
        limit = upload_limit(self.kind)
        if size > limit:
            label = str(self.label or KIND_LABELS[self.kind])
            raise ValidationError(too_large_message(label, size, limit), code="file_too_large")


class LimitedUploadField(serializers.FileField):
    """The API counterpart of :class:`LimitedFileField` (400 with the field's message)."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        size = int(getattr(value, "size", 0) or 0)
        limit = upload_limit(self.kind)
        if size > limit:
            label = str(self.label or KIND_LABELS[self.kind])
            raise serializers.ValidationError(
                too_large_message(label, size, limit), code="file_too_large"
            )
        return value


def request_too_large(request: HttpRequest, limit: int, size: int | None = None) -> HttpResponse:
    """HTTP 413 in Chinese: a page, or ``{"detail": …}`` on the API. Nothing was read or saved."""
    got = f"（本次 {human_size(size)}）" if size else ""
    message = f"提交的内容过大{got}，超过上限 {human_size(limit)}，未作任何保存"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "limit_bytes": limit}, status=413)
    body = render_to_string("413.html", {"request": request, "message": message})
    return HttpResponse(body, status=413)


class RequestSizeLimitMiddleware:
    """Refuse a body above ``JIANGQIAO_REQUEST_MAX_BYTES`` by its Content-Length, unread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        limit = request_limit()
        if size > limit:
            return request_too_large(request, limit, size)
        return self.get_response(request)
