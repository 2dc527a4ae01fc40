"""REST endpoints of the matching app (/api/v1/matching/...)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.viewsets import (
    ScopedModelViewSet,
    ScopedReadOnlyViewSet,
    ScopedViewSetMixin,
)

from .. import services
from ..filtersets import (
    ConflictFilterSet,
    RunFilterSet,
    SuggestionFilterSet,
)
from ..indexing import IndexNotReady
from ..models import DeclaredConflict, MatchRun, MatchSuggestion
from .serializers import (
    ConflictSerializer,
    ConflictStatusSerializer,
    DecisionSerializer,
    ManualSerializer,
    RefreshSerializer,
    RunSerializer,
    SuggestionSerializer,
)


def _demand(request: Request, pk: int) -> Any:
    from jiangqiao.demands.models import Demand

    return get_object_or_404(
        Demand.objects.visible_to(request.user, "view").select_related("enterprise"), pk=pk
    )


class SuggestionViewSet(ScopedReadOnlyViewSet):
    """匹配建议：平台推荐、平台匹配或人工推荐的（需求，劳模工匠）配对，含推荐理由（why）与融合权重版本。

    推荐范围包括其他单位中同意服务需求所在地区的劳模工匠（cross_unit=true）：对这些工匠只提供公开信息
    （craftsman_public：姓名、荣誉、技能等级、服务队、工作单位、所属工会），不提供联系方式与身份证号；
    确认后向其本人发出服务邀请并通知其所属工会。relevance 为 0–100 的匹配度。

    须由工作人员确认或拒绝（《个人信息保护法》第二十四条）；按需求的负责工会划定数据范围。
    """

    queryset = MatchSuggestion.objects.select_related("demand", "craftsman", "decided_by").order_by(
        "demand_id", "rank", "pk"
    )
    serializer_class = SuggestionSerializer
    filterset_class = SuggestionFilterSet
    ordering_fields = ["suggested_at", "score", "rank"]

    def get_queryset(self) -> Any:
        from ..selectors import with_craftsman_scope

        # Cross-unit suggestions: whether the user may see each craftsman's record, in one query.
        return with_craftsman_scope(super().get_queryset(), self.request.user)

    def _decided(self, suggestion: MatchSuggestion) -> Response:
        row = (
            self.get_queryset()
            .model.objects.select_related("demand", "craftsman", "decided_by")
            .get(pk=suggestion.pk)
        )
        return Response(SuggestionSerializer(row, context=self.get_serializer_context()).data)

    def _reason(self, request: Request) -> str:
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return str(serializer.validated_data.get("reason", ""))

    @extend_schema(request=DecisionSerializer, responses=SuggestionSerializer)
    @action(detail=True, methods=["post"], scope_action="decide")
    def confirm(self, request: Request, pk: Any = None) -> Response:
        """确认（待确认 → 已确认）：检查工匠状态、承接余量与回避。"""
        suggestion = self.get_object()
        reason = self._reason(request)
        services.suggestion_confirm(actor=request.user, suggestion=suggestion, reason=reason)
        return self._decided(suggestion)

    @extend_schema(request=DecisionSerializer, responses=SuggestionSerializer)
    @action(detail=True, methods=["post"], scope_action="decide")
    def reject(self, request: Request, pk: Any = None) -> Response:
        """拒绝（待确认 → 已拒绝），须填写理由。"""
        suggestion = self.get_object()
        reason = self._reason(request)
        services.suggestion_reject(actor=request.user, suggestion=suggestion, reason=reason)
        return self._decided(suggestion)

    @extend_schema(request=DecisionSerializer, responses=SuggestionSerializer)
    @action(detail=True, methods=["post"], scope_action="decide")
    def decline(self, request: Request, pk: Any = None) -> Response:
        """记录工匠婉拒（已确认 → 工匠婉拒），须填写原因。"""
        suggestion = self.get_object()
        reason = self._reason(request)
        services.suggestion_record_decline(actor=request.user, suggestion=suggestion, reason=reason)
        return self._decided(suggestion)

    @extend_schema(request=RefreshSerializer, responses=SuggestionSerializer(many=True))
    @action(detail=False, methods=["post"], scope_action="add")
    def refresh(self, request: Request) -> Response:
        """为一个需求重新计算推荐工匠并保存为“待确认”（返回本次推荐，最匹配的在前）。"""
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        demand = _demand(request, serializer.validated_data["demand"])
        try:
            rows = services.suggestions_refresh(
                actor=request.user, demand=demand, top=serializer.validated_data.get("top")
            )
        except IndexNotReady as exc:
            return Response({"detail": f"{exc}，已在后台计算，请稍后再试"}, status=503)
        context = self.get_serializer_context()
        return Response(SuggestionSerializer(rows, many=True, context=context).data)

    @extend_schema(request=ManualSerializer, responses={201: SuggestionSerializer})
    @action(detail=False, methods=["post"], scope_action="add")
    def manual(self, request: Request) -> Response:
        """人工推荐：把一位劳模工匠加入需求的匹配建议（仍须确认）。"""
        from jiangqiao.talents.models import Craftsman

        serializer = ManualSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        demand = _demand(request, data["demand"])
        craftsman = (
            Craftsman.objects.visible_to(request.user, "view").filter(pk=data["craftsman"]).first()
        )
        row = services.suggestion_add_manual(
            actor=request.user, demand=demand, craftsman=craftsman, reason=data["reason"]
        )
        context = self.get_serializer_context()
        return Response(SuggestionSerializer(row, context=context).data, status=201)


class RunViewSet(  # type: ignore[misc]
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """平台匹配：对一个组织（含下级）全部待匹配需求批量匹配，作为后台任务运行；结果为待审核的匹配建议。"""

    queryset = MatchRun.objects.select_related("org", "job").order_by("-created_at", "-pk")
    serializer_class = RunSerializer
    filterset_class = RunFilterSet
    ordering_fields = ["created_at"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.run_start(
            actor=self.request.user, org=data.get("org"), top_k=int(data.get("top_k") or 10)
        )


class ConflictViewSet(ScopedModelViewSet):
    """利益冲突申报（回避）：劳模工匠不承接该企业的需求；平台匹配与确认时检查。停用而不删除。"""

    queryset = DeclaredConflict.objects.select_related("craftsman", "enterprise").order_by(
        "-created_at", "-pk"
    )
    serializer_class = ConflictSerializer
    filterset_class = ConflictFilterSet
    ordering_fields = ["created_at"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.conflict_create(
            actor=self.request.user,
            craftsman=data.get("craftsman"),
            enterprise=data.get("enterprise"),
            reason=data.get("reason", ""),
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        reason = serializer.validated_data.get("reason", serializer.instance.reason)
        serializer.instance = services.conflict_update(
            actor=self.request.user, conflict=serializer.instance, reason=reason
        )

    @extend_schema(request=ConflictStatusSerializer, responses=ConflictSerializer)
    @action(detail=True, methods=["post"], scope_action="change", url_path="status")
    def set_status(self, request: Request, pk: Any = None) -> Response:
        """撤销（disabled）或恢复（active）回避申报。"""
        conflict = self.get_object()
        serializer = ConflictStatusSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        row = services.conflict_set_status(
            actor=request.user, conflict=conflict, status=serializer.validated_data["status"]
        )
        context = self.get_serializer_context()
        return Response(ConflictSerializer(row, context=context).data, status=status.HTTP_200_OK)
