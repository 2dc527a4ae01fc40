"""REST API of the talents app: craftsmen (with honours, service items, consents) and teams."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.serializers import PurposeRequestSerializer
from jiangqiao.core.api.viewsets import ScopedModelViewSet
from jiangqiao.core.sensitive import can_view_sensitive

from .. import services
from ..filtersets import CraftsmanFilterSet, ServiceTeamFilterSet
from ..models import Craftsman, Honour, ServiceTeam, TeamMembership
from .serializers import (
    ConsentActionSerializer,
    ConsentSerializer,
    CraftsmanSerializer,
    HonourSerializer,
    MemberActionSerializer,
    RevealSerializer,
    ServiceItemSerializer,
    ServiceTeamSerializer,
    StatusSerializer,
    TeamStatusSerializer,
)

DUPLICATE_RESPONSE = OpenApiResponse(
    description=(
        "同一人已有档案（409）：在您的数据范围内时返回 detail、已有档案的 existing_id 和 field；"
        "是其他单位的档案时只返回 detail 和 field（不含 existing_id）"
    )
)


def _duplicate(exc: services.DuplicateCraftsman) -> Response:
    return Response(
        {"detail": exc.message, "existing_id": exc.existing_pk, "field": exc.field},
        status=http.HTTP_409_CONFLICT,
    )


@extend_schema_view(
    create=extend_schema(responses={201: CraftsmanSerializer, 409: DUPLICATE_RESPONSE}),
    update=extend_schema(responses={200: CraftsmanSerializer, 409: DUPLICATE_RESPONSE}),
    partial_update=extend_schema(responses={200: CraftsmanSerializer, 409: DUPLICATE_RESPONSE}),
)
class CraftsmanViewSet(ScopedModelViewSet):
    """劳模工匠档案。身份证号、手机号只返回脱敏值；明文须调用 reveal（记入操作日志）。停用而不删除。"""

    queryset = Craftsman.objects.select_related("org")
    serializer_class = CraftsmanSerializer
    filterset_class = CraftsmanFilterSet
    ordering_fields = ["id", "name", "skill_rank", "created_at", "updated_at"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Any]:
        qs = super().get_queryset()
        if self.action == "list":
            if self.request.query_params.get("brief") in ("1", "true"):
                return qs.select_related(None).only("pk", "name", "status")
            return qs.prefetch_related("honours", "service_items", "consents")
        return qs.prefetch_related(
            Prefetch("honours", queryset=Honour.objects.all()),
            "service_items",
            "consents",
        )

    def _data(self, serializer: BaseSerializer[Any]) -> dict[str, Any]:
        data = dict(serializer.validated_data)
        for key in ("org", "version", "consents", "status"):
            data.pop(key, None)
        if "gender" in data and data["gender"] is None:
            data.pop("gender")
        return data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().create(request, *args, **kwargs)
        except services.DuplicateCraftsman as exc:
            return _duplicate(exc)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().update(request, *args, **kwargs)
        except services.DuplicateCraftsman as exc:
            return _duplicate(exc)

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = services.craftsman_create(
            actor=self.request.user,
            org=serializer.validated_data["org"],
            data=self._data(serializer),
            consents=serializer.validated_data.get("consents") or (),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        user = self.request.user
        if not user.has_perm(services.MANAGE_PERMISSION):
            own = services.craftsman_own(user=user)
            if own is None or own.pk != serializer.instance.pk:
                raise PermissionDenied("您没有维护劳模工匠档案的权限")
            data = {
                k: v
                for k, v in self._data(serializer).items()
                if k in services.SELF_EDITABLE_FIELDS
            }
            serializer.instance = services.craftsman_update_own(
                actor=user, data=data, version=self.expected_version()
            )
            return
        serializer.instance = services.craftsman_update(
            actor=user,
            craftsman=serializer.instance,
            data=self._data(serializer),
            version=self.expected_version(),
            org=serializer.validated_data.get("org"),
        )

    @extend_schema(request=PurposeRequestSerializer, responses=RevealSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def reveal(self, request: Request, pk: Any = None) -> Response:
        """身份证号、手机号明文（需“查看敏感信息”权限；每次查看记入操作日志）。"""
        craftsman = self.get_object()
        if not can_view_sensitive(request.user, Craftsman):
            raise PermissionDenied("您没有查看身份证号、手机号明文的权限")
        body = PurposeRequestSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        plain = services.craftsman_reveal(
            actor=request.user, craftsman=craftsman, purpose=body.validated_data["purpose"]
        )
        response = Response(plain)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=StatusSerializer, responses=CraftsmanSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="status")
    def set_status(self, request: Request, pk: Any = None) -> Response:
        """变更在库状态（在库/暂停服务/不活跃/已移出），非“在库”须填写原因。"""
        craftsman = self.get_object()
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        craftsman = services.craftsman_set_status(
            actor=request.user,
            craftsman=craftsman,
            status=body.validated_data["status"],
            reason=body.validated_data.get("status_reason", ""),
            pause_until=body.validated_data.get("pause_until"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=craftsman.pk)).data)

    @extend_schema(request=HonourSerializer, responses={201: HonourSerializer})
    @action(detail=True, methods=["post"], scope_action="change")
    def honours(self, request: Request, pk: Any = None) -> Response:
        """新增荣誉（核验标记仅限有“维护档案”权限者）。"""
        craftsman = self.get_object()
        body = HonourSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        verified = bool(data.pop("verified", False))
        honour = services.honour_add(
            actor=request.user, craftsman=craftsman, data=data, verified=verified
        )
        return Response(HonourSerializer(honour).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=ServiceItemSerializer, responses={201: ServiceItemSerializer})
    @action(detail=True, methods=["post"], scope_action="change", url_path="service-items")
    def service_items(self, request: Request, pk: Any = None) -> Response:
        """在技术服务项目清单中新增一项。"""
        craftsman = self.get_object()
        body = ServiceItemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.service_item_add(
            actor=request.user, craftsman=craftsman, data=dict(body.validated_data)
        )
        return Response(ServiceItemSerializer(item).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=ConsentActionSerializer, responses={201: ConsentSerializer})
    @action(detail=True, methods=["post"], scope_action="change", url_path="consents/grant")
    def consent_grant(self, request: Request, pk: Any = None) -> Response:
        """记录本人对某一用途的单独同意（版本、时间）。"""
        craftsman = self.get_object()
        body = ConsentActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consent = services.consent_grant(
            actor=request.user, craftsman=craftsman, purpose=body.validated_data["purpose"]
        )
        return Response(ConsentSerializer(consent).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=ConsentActionSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="consents/withdraw")
    def consent_withdraw(self, request: Request, pk: Any = None) -> Response:
        """撤回同意（保留历史记录）。"""
        craftsman = self.get_object()
        body = ConsentActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consent = services.consent_withdraw(
            actor=request.user,
            craftsman=craftsman,
            purpose=body.validated_data["purpose"],
            reason=body.validated_data.get("reason", ""),
        )
        return Response(ConsentSerializer(consent).data)


class ServiceTeamViewSet(ScopedModelViewSet):
    """劳模工匠服务队（省/市(产业)/县/基层四级），层级须与组建单位层级一致。"""

    queryset = ServiceTeam.objects.select_related("org", "lead").prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.select_related("craftsman"))
    )
    serializer_class = ServiceTeamSerializer
    filterset_class = ServiceTeamFilterSet
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["-id"]

    def _data(self, serializer: BaseSerializer[Any]) -> dict[str, Any]:
        data = dict(serializer.validated_data)
        for key in ("org", "version", "status"):
            data.pop(key, None)
        return data

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = services.team_create(
            actor=self.request.user,
            org=serializer.validated_data["org"],
            data=self._data(serializer),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.team_update(
            actor=self.request.user,
            team=serializer.instance,
            data=self._data(serializer),
            version=self.expected_version(),
        )

    def _member(self, request: Request) -> tuple[ServiceTeam, Craftsman, dict[str, Any]]:
        team = self.get_object()
        body = MemberActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        craftsman = get_object_or_404(
            Craftsman.objects.visible_to(request.user, "view"),
            pk=body.validated_data["craftsman"],
        )
        return team, craftsman, body.validated_data

    def _fresh(self, team: ServiceTeam) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=team.pk)).data)

    @extend_schema(request=MemberActionSerializer, responses=ServiceTeamSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="members/add")
    def add_member(self, request: Request, pk: Any = None) -> Response:
        """加入成员（role=lead 时同时设为领衔人）。"""
        team, craftsman, data = self._member(request)
        services.team_add_member(
            actor=request.user,
            team=team,
            craftsman=craftsman,
            role=data.get("role") or "member",
            joined_on=data.get("joined_on"),
        )
        return self._fresh(team)

    @extend_schema(request=MemberActionSerializer, responses=ServiceTeamSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="members/remove")
    def remove_member(self, request: Request, pk: Any = None) -> Response:
        """移出成员（领衔人须先更换）。"""
        team, craftsman, _ = self._member(request)
        services.team_remove_member(actor=request.user, team=team, craftsman=craftsman)
        return self._fresh(team)

    @extend_schema(request=MemberActionSerializer, responses=ServiceTeamSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="set-lead")
    def set_lead(self, request: Request, pk: Any = None) -> Response:
        """指定领衔人（须为本队成员）。"""
        team, craftsman, _ = self._member(request)
        services.team_set_lead(actor=request.user, team=team, craftsman=craftsman)
        return self._fresh(team)

    @extend_schema(request=TeamStatusSerializer, responses=ServiceTeamSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="status")
    def set_status(self, request: Request, pk: Any = None) -> Response:
        """启用或停用服务队。"""
        team = self.get_object()
        body = TeamStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.team_set_status(
            actor=request.user, team=team, status=body.validated_data["status"]
        )
        return self._fresh(team)
