"""API error handling: business and validation errors become 400 with Chinese messages; a match
with another unit's record 409 (without naming it), too many of those 429.

DRF answers a few errors with hard-coded English (“JSON parse error - …”, “CSRF Failed: …”,
“No data provided”); they are said in Chinese here, whichever view or parser raised them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import ErrorDetail, ParseError, Throttled, ValidationError
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jiangqiao.core.api.parsers import chinese_parse_error
from jiangqiao.core.api.throttles import throttled_message
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.field_messages import localize_drf_detail
from jiangqiao.core.probes import ForeignMatch, ProbeLimited
from jiangqiao.core.scope import ScopeViolation

DRF_PARSE_ERRORS = ("JSON parse error", "Multipart form parse error", "FileUpload parse error")
CSRF_MESSAGE = (
    "CSRF 校验失败：以浏览器会话调用修改数据的接口时，须在 X-CSRFToken 请求头中带上 csrftoken "
    "Cookie 的值；程序调用请改用令牌认证（Authorization: Token …）"
)
# DRF messages written in English without translation, keyed by their text.
ENGLISH_DETAILS = {"No data provided": "请求体为空（null），请提交一个 JSON 对象"}


def _chinese_details(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _chinese_details(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_chinese_details(value) for value in detail]
    if isinstance(detail, ErrorDetail) and str(detail) in ENGLISH_DETAILS:
        return ErrorDetail(ENGLISH_DETAILS[str(detail)], code=detail.code)
    return detail


def _in_chinese(exc: Exception, context: dict[str, Any]) -> Exception:
    """DRF's own English messages → Chinese (others pass unchanged)."""
    if isinstance(exc, ParseError) and str(exc.detail).startswith(DRF_PARSE_ERRORS):
        request = context.get("request")
        media_type = str(getattr(request, "content_type", "") or "")
        return ParseError(chinese_parse_error(exc.__context__ or exc.__cause__, media_type))
    if isinstance(exc, DrfPermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        return DrfPermissionDenied(CSRF_MESSAGE)
    if isinstance(exc, ValidationError):
        fields = _failed_serializer_fields(exc) or _serializer_fields(context)
        exc.detail = localize_drf_detail(_chinese_details(exc.detail), fields)
    return exc


def _failed_serializer_fields(exc: Exception) -> dict[str, Any]:
    """The fields of the serializer whose ``is_valid(raise_exception=True)`` raised ``exc``.

    An action (``status/``, ``honours/`` …) validates its own request serializer, not the view's
    main one; DRF raises from inside ``Serializer.is_valid``, so the innermost frame of the
    traceback whose ``self`` is a serializer is the one that failed. This names the fields of
    every serializer in one place, without each action having to declare it.
    """
    from rest_framework.serializers import BaseSerializer

    found: Any = None
    tb = exc.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("self")
        if isinstance(candidate, BaseSerializer) and not getattr(candidate, "many", False):
            found = candidate
        tb = tb.tb_next
    if found is None:
        return {}
    try:
        return dict(found.fields)
    except Exception:  # a serializer whose fields need more context: no names
        return {}


def _serializer_fields(context: dict[str, Any]) -> dict[str, Any]:
    """The fields of the view's serializer, to name them in DRF's default messages."""
    view = context.get("view")
    get_serializer = getattr(view, "get_serializer", None)
    if get_serializer is None:
        return {}
    try:
        return dict(get_serializer().fields)
    except Exception:  # a view whose serializer needs more than the request: no names
        return {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ProbeLimited):
        # Too many duplicate checks that matched other units' records (core/probes.py).
        return Response(
            {"detail": exc.message},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, Throttled):
        # Over an API rate (core/api/throttles.py): DRF adds Retry-After from exc.wait.
        wait = getattr(exc, "wait", None)
        exc.detail = ErrorDetail(throttled_message(wait), code="throttled")
    if isinstance(exc, ForeignMatch):
        # The record exists in another unit: say so, and nothing else (no existing_id).
        return Response(
            {"detail": exc.message, "field": exc.field}, status=status.HTTP_409_CONFLICT
        )
    exc = _in_chinese(exc, context)
    if isinstance(exc, BusinessError):
        key = exc.field or "non_field_errors"
        # A stale optimistic-lock version: someone else changed the row since it was read.
        code = status.HTTP_409_CONFLICT if exc.code == "stale" else status.HTTP_400_BAD_REQUEST
        return Response({key: [exc.message]}, status=code)
    if isinstance(exc, ScopeViolation):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = ValidationError(exc.message_dict)
        else:
            exc = ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, OverflowError):
        # An id or number beyond what the database stores (SQLite raises; PostgreSQL errors).
        return Response({"detail": "参数数值超出允许范围"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"non_field_errors": ["数据与已有记录冲突（唯一性或关联约束），未保存"]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        # Django's "No Demand matches the given query." — in Chinese, without naming the model
        # (an out-of-scope object must look exactly like a missing one).
        return Response(
            {"detail": "未找到，或不在您的数据范围内"}, status=status.HTTP_404_NOT_FOUND
        )
    return drf_exception_handler(exc, context)
