"""REST endpoints of the enterprise and demand pool (/api/v1/demands/...)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.serializers import PurposeRequestSerializer
from jiangqiao.core.api.viewsets import ScopedModelViewSet
from jiangqiao.core.sensitive import can_view_sensitive

from .. import services
from ..choices import Channel
from ..duplicates import DuplicateDemand
from ..filtersets import DemandFilterSet, EnterpriseFilterSet
from ..models import Demand, Enterprise
from .serializers import (
    ContactSerializer,
    DemandSerializer,
    EnterpriseSerializer,
)

ENTERPRISE_WRITE_SKIP = ("org", "version")
DEMAND_WRITE_SKIP = ("enterprise", "version", "submit", "confirm_not_duplicate")


def _data(validated: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in validated.items() if k not in skip}


class EnterpriseViewSet(ScopedModelViewSet):
    """企业：统一社会信用代码、规模（按工信部联企业〔2011〕300号计算）、梯度、联系人（脱敏）。停用而不删除。"""

    queryset = Enterprise.objects.select_related("org").prefetch_related("contacts")
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    ordering_fields = ["created_at", "name"]
    ordering = ["-created_at", "-id"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.enterprise_create(
            actor=self.request.user, org=data.get("org"), data=_data(data, ENTERPRISE_WRITE_SKIP)
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        assert serializer.instance is not None
        serializer.instance = services.enterprise_update(
            actor=self.request.user,
            enterprise=serializer.instance,
            data=_data(data, ENTERPRISE_WRITE_SKIP),
            version=self.expected_version(),
            org=data.get("org"),
        )

    @extend_schema(request=PurposeRequestSerializer, responses=ContactSerializer(many=True))
    @action(detail=True, methods=["post"], scope_action="view")
    def reveal(self, request: Request, pk: Any = None) -> Response:
        """联系人手机号明文（需“查看企业联系人手机号明文”权限；须说明用途，每次查看连同用途记入操作日志）。"""
        enterprise = self.get_object()
        if not can_view_sensitive(request.user, enterprise):
            raise PermissionDenied("您没有查看联系人手机号明文的权限")
        body = PurposeRequestSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        rows = services.enterprise_contacts(
            actor=request.user,
            enterprise=enterprise,
            reveal_mobile=True,
            purpose=body.validated_data["purpose"],
        )
        response = Response(ContactSerializer(rows, many=True).data)
        response["Cache-Control"] = "no-store"
        return response


IDEMPOTENCY_KEY = OpenApiParameter(
    services.IDEMPOTENCY_KEY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "幂等键（1–255 个可见 ASCII 字符，如 UUID）：同一账号 24 小时内以同一键重复提交（如网络重试），"
        "不再新建需求，原样返回第一次的响应（响应头 Idempotent-Replayed: true）；"
        "同一键用于内容不同的请求时返回 422。"
    ),
)


class DemandViewSet(ScopedModelViewSet):
    """企业需求：新增（草稿或直接提交）、修改（带 version 乐观锁）、提交、分级、撤回、取消。不删除。"""

    queryset = Demand.objects.select_related("enterprise", "org").prefetch_related("events")
    serializer_class = DemandSerializer
    filterset_class = DemandFilterSet
    ordering_fields = ["created_at", "submitted_at", "number", "deadline"]
    ordering = ["-created_at", "-id"]
    _created: Demand | None = None

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: DemandSerializer,
            409: OpenApiResponse(
                description="与本企业在办的需求相似（similar 列出您可见的相似需求；"
                "确认不是同一问题时带 confirm_not_duplicate=true 再次提交；内容完全相同的不能确认）"
            ),
            422: OpenApiResponse(description="该 Idempotency-Key 已用于内容不同的请求"),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return self._create_once(request, *args, **kwargs)
        except DuplicateDemand as exc:
            # Raised inside the creating transaction (rolled back, an Idempotency-Key freed).
            return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)

    @extend_schema(
        responses={
            200: DemandSerializer,
            409: OpenApiResponse(
                description="修改草稿、已提交或待补充需求的标题、描述、类型或类别后，与本企业另一在办"
                "需求相似（同新增：带 confirm_not_duplicate=true 再次提交；内容完全相同的不能确认）"
            ),
        },
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().update(request, *args, **kwargs)
        except DuplicateDemand as exc:  # the update's transaction rolled back: nothing changed
            return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)

    def _create_once(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw_key = request.headers.get(services.IDEMPOTENCY_KEY_HEADER)
        if raw_key is None:
            return super().create(request, *args, **kwargs)
        key = services.idempotency_key_clean(raw_key)
        fingerprint = services.request_fingerprint(request.data)
        with transaction.atomic():
            record, fresh = services.submission_claim(
                actor=request.user, scope="api", key=key, fingerprint=fingerprint
            )
            if not fresh:
                if record.fingerprint != fingerprint:
                    return Response(
                        {services.IDEMPOTENCY_KEY_HEADER: [services.IDEMPOTENCY_MISMATCH_MESSAGE]},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
                    )
                headers = {"Idempotent-Replayed": "true"}
                body = record.response_body
                if isinstance(body, dict) and body.get("url"):
                    headers["Location"] = str(body["url"])
                return Response(body, status=record.response_status, headers=headers)
            response = super().create(request, *args, **kwargs)
            services.submission_store_response(
                record=record,
                demand=getattr(self, "_created", None),
                status=response.status_code,
                body=response.data,
            )
        return response

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = self._created = services.demand_create(
            actor=self.request.user,
            enterprise=data["enterprise"],
            data=_data(data, DEMAND_WRITE_SKIP),
            channel=Channel.ONLINE,
            submit=bool(data.get("submit")),
            check_duplicates=True,
            duplicate_confirmed=bool(data.get("confirm_not_duplicate")),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        assert serializer.instance is not None
        serializer.instance = services.demand_update(
            actor=self.request.user,
            demand=serializer.instance,
            data=_data(data, DEMAND_WRITE_SKIP),
            version=self.expected_version(),
            check_duplicates=True,
            duplicate_confirmed=bool(data.get("confirm_not_duplicate")),
        )
