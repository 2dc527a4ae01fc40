"""Base viewsets: every queryset goes through the data-scope chokepoint."""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action as drf_action
from rest_framework.exceptions import PermissionDenied, ValidationError

from jiangqiao.core.concurrency import VersionedModel, required_version

from .permissions import METHOD_ACTIONS, ScopedModelPermission


class ScopedViewSetMixin:
    """``get_queryset()`` returns ``queryset.visible_to(user, action)`` for the HTTP method.

    Custom actions declare ``scope_action`` through ``@action(..., scope_action="change")``
    or by setting ``self.scope_action``; writes are delegated to services in ``perform_*``.
    """

    queryset: models.QuerySet[Any]
    permission_classes = [ScopedModelPermission]
    request: Any
    action: str | None

    def get_model(self) -> type[models.Model]:
        return self.queryset.model

    # Set per action through ``@action(..., scope_action="change")`` (DRF passes it to the view).
    scope_action: str | None = None

    def current_scope_action(self) -> str:
        return self.scope_action or METHOD_ACTIONS.get(self.request.method, "view")

    def get_queryset(self) -> models.QuerySet[Any]:
        qs = self.queryset.all()
        return qs.visible_to(self.request.user, self.current_scope_action())  # type: ignore[attr-defined,no-any-return]

    def expected_version(self) -> int:
        """The version an update of a versioned model read (``claim_version`` checks it)."""
        version = getattr(self, "_expected_version", None)
        if version is None:  # an update path that skipped ``update()``: never skip the check
            version = required_version(self.request.data, self.request.headers.get("If-Match"))
        return version

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "file_format",
                str,
                enum=["xlsx", "csv"],
                description="导出格式（默认 xlsx）；其余参数与列表的筛选参数相同",
            ),
            OpenApiParameter(
                "purpose",
                str,
                required=True,
                description="导出用途（必填，记入操作日志并写在文件第一行）",
            ),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="导出文件（代码显示为名称，敏感信息按权限脱敏）"
            ),
            202: OpenApiResponse(description="超过审批阈值：已提交安全管理员审批"),
            302: OpenApiResponse(description="数据量大时转为后台任务"),
        },
    )
    @drf_action(detail=False, methods=["get"], scope_action="view")
    def export(self, request: Any) -> Any:
        """按当前筛选条件导出为 Excel 或 CSV（同一数据范围；超过阈值转为后台任务）。"""
        from jiangqiao.core.exceptions import BusinessError
        from jiangqiao.core.io.exporting import export_response

        if not request.user.has_perm("core.export_list"):
            raise PermissionDenied("您没有导出数据的权限")
        fmt = request.query_params.get("file_format", "xlsx")
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        model = self.get_model()
        try:
            return export_response(
                request,
                queryset=queryset,
                table_class=None,
                title=str(model._meta.verbose_name_plural),
                fmt=fmt,
                view_path=f"api:{type(self).__module__}.{type(self).__qualname__}",
                serializer_class=self.get_serializer_class(),  # type: ignore[attr-defined]
                purpose=request.query_params.get("purpose", ""),
                purpose_field="purpose",
            )
        except BusinessError as exc:
            raise ValidationError({exc.field or "file_format": exc.message}) from exc


class VersionedUpdateMixin(mixins.UpdateModelMixin):
    """PUT/PATCH of a versioned model must carry the version read (body ``version`` or the
    ``If-Match`` header): 400 naming ``version`` without it, before anything is validated."""

    def update(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self._expected_version: int | None = None
        if issubclass(self.get_model(), VersionedModel):  # type: ignore[attr-defined]
            self._expected_version = required_version(request.data, request.headers.get("If-Match"))
        return super().update(request, *args, **kwargs)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[misc]
    pass


class ScopedModelViewSet(  # type: ignore[misc]
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    VersionedUpdateMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve, create and update. Master data is disabled, not deleted, so no DELETE."""
