"""REST API of the yearly targets: scoped reads; every write goes through the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.viewsets import ScopedViewSetMixin, VersionedUpdateMixin

from .. import services, targets
from ..choices import TargetSource
from ..filtersets import TargetFilterSet
from ..models import Target
from .serializers import (
    SetInSerializer,
    SplitInSerializer,
    SplitOutSerializer,
    TargetRevisionSerializer,
    TargetSerializer,
)


class TargetViewSet(  # type: ignore[misc]
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    VersionedUpdateMixin,
    viewsets.GenericViewSet,
):
    """年度目标：按单位、专项行动、年度、指标；由上级单位为下级单位设定（split 分解、set 单个），
    本单位没有上级时可设定本单位。修改带版本号；每次改值记入目标调整记录（revisions）。"""

    queryset = Target.objects.select_related("org")
    serializer_class = TargetSerializer
    filterset_class = TargetFilterSet
    ordering_fields = ["id", "year", "indicator", "value", "updated_at"]
    ordering = ["-year", "org__path", "indicator", "id"]

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        data = serializer.validated_data
        serializer.instance = services.target_update(
            actor=self.request.user,
            target=serializer.instance,
            data={k: data[k] for k in services.TARGET_FIELDS if k in data},
            version=self.expected_version(),
            comment=data.get("comment") or "",
            source=TargetSource.API,
        )

    def _input(self, serializer_class: Any, request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _result(self, result: services.SplitResult) -> Response:
        out = {
            "indicator": result.indicator,
            "parent_value": result.parent_value,
            "total": result.total,
            "warnings": result.warnings,
            "changed": TargetSerializer(result.changed, many=True).data,
        }
        return Response(out)

    @extend_schema(request=SplitInSerializer, responses=SplitOutSerializer)
    @action(detail=False, methods=["post"], scope_action="change")
    def split(self, request: Request) -> Response:
        """把本级单位的目标分解到下级单位（一个指标）：各下级目标之和少于本级目标时拒绝并说明还差多少，
        多于时保存并提示；本级没有目标时保存并提示。全部成功才保存。"""
        data = self._input(SplitInSerializer, request)
        result = services.target_split(
            actor=request.user,
            parent=data["parent"],
            campaign=data["campaign"],
            year=data["year"],
            indicator=data["indicator"],
            values=data["values"],
            comment=data.get("comment") or "",
            source=TargetSource.API,
        )
        return self._result(result)

    @extend_schema(request=SetInSerializer, responses=SplitOutSerializer)
    @action(detail=False, methods=["post"], scope_action="change", url_path="set")
    def set_one(self, request: Request) -> Response:
        """设定一个单位的目标：下级单位按其上级的分解核对；本单位没有上级时设定本单位。"""
        data = self._input(SetInSerializer, request)
        result = services.target_set(
            actor=request.user,
            org=data["org"],
            campaign=data["campaign"],
            year=data["year"],
            indicator=data["indicator"],
            value=data["value"],
            comment=data.get("comment") or "",
            note=data.get("note"),
            source=TargetSource.API,
        )
        return self._result(result)

    @extend_schema(request=None, responses=TargetRevisionSerializer(many=True))
    @action(detail=True, methods=["get"], scope_action="view")
    def revisions(self, request: Request, pk: Any = None) -> Response:
        """目标调整记录（新的在前）。"""
        rows = targets.target_revisions(request.user, self.get_object())
        return Response(TargetRevisionSerializer(rows, many=True).data)
