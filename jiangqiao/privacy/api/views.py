"""REST endpoints of a person's own data-subject requests (/api/v1/privacy/my-requests/...).

Everything is read through ``selectors.my_requests``: a person lists, reads and downloads only the
requests he made himself; anybody else's request answers 404, as on the pages. The writes are the
services the pages use (``request_submit``, ``export_download``), so the checks, the audit and the
staff's notification are the same."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from jiangqiao.core.io.exporting import no_store

from .. import selectors, services
from ..choices import RequestKind
from ..models import DataSubjectRequest
from .serializers import MyRequestSerializer, RequestSubmitSerializer


class MyRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """本人的个人信息权利申请（《个人信息保护法》第四十四至四十七条）：查阅复制、更正、删除。

    只列出本人提交的申请；查阅复制申请即时生成副本，`download` 下载（每次下载记入操作日志）。"""

    serializer_class = MyRequestSerializer
    permission_classes = [IsAuthenticated]
    queryset = DataSubjectRequest.objects.none()

    def get_queryset(self) -> Any:
        return selectors.my_requests(user=self.request.user)

    @extend_schema(request=RequestSubmitSerializer, responses={201: MyRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """提交申请：查阅复制（即时生成副本）、更正（`corrections`）或删除（`confirm` 须为 true）。"""
        body = RequestSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        dsr = services.request_submit(
            actor=request.user,
            kind=data["kind"],
            details=data.get("details", ""),
            corrections=data.get("corrections") if data["kind"] == RequestKind.CORRECT else None,
        )
        return Response(self.get_serializer(dsr).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="本人个人信息副本（JSON）"
            )
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: Any = None) -> HttpResponse:
        """下载本人的个人信息副本（JSON；副本保存期限内可多次下载，每次记入操作日志）。"""
        dsr = self.get_object()
        name, blob = services.export_download(actor=request.user, dsr=dsr)
        response = HttpResponse(blob, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        no_store(response)
        return response
