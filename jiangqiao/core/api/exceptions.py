"""API error handling: business and validation errors become 400 with Chinese messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
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
