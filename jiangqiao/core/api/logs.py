"""Read-only API for the change and operation logs and the jobs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from jiangqiao.core.api.serializers import ChoiceDisplayField
from jiangqiao.core.api.viewsets import ScopedReadOnlyViewSet
from jiangqiao.core.choices import BusinessType, ChangeAction, JobStatus, OperationStatus
from jiangqiao.core.filtersets import ChangeLogFilterSet, JobFilterSet, OperationLogFilterSet
from jiangqiao.core.jobs import job_cancel
from jiangqiao.core.models import ChangeLog, Job, OperationLog


class ChangeLogSerializer(serializers.ModelSerializer):
    action = ChoiceDisplayField(choices=ChangeAction.choices)
    content_type = serializers.SerializerMethodField()

    class Meta:
        model = ChangeLog
        fields = [
            "id",
            "time",
            "user",
            "user_name",
            "request_id",
            "source",
            "action",
            "content_type",
            "object_id",
            "object_repr",
            "org",
            "prechange_data",
            "postchange_data",
            "message",
        ]
        read_only_fields = fields

    def get_content_type(self, obj: ChangeLog) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"


class OperationLogSerializer(serializers.ModelSerializer):
    business_type = ChoiceDisplayField(choices=BusinessType.choices)
    status = ChoiceDisplayField(choices=OperationStatus.choices)

    class Meta:
        model = OperationLog
        fields = [
            "id",
            "time",
            "module",
            "business_type",
            "action",
            "user",
            "user_name",
            "org",
            "method",
            "path",
            "ip",
            "request_id",
            "status",
            "error",
            "target_id",
            "target_repr",
            "extra",
        ]
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer):
    status = ChoiceDisplayField(choices=JobStatus.choices)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "total",
            "done",
            "percent",
            "message",
            "result",
            "cancel_requested",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ChangeLogViewSet(ScopedReadOnlyViewSet):
    """变更日志（只读）：数据范围内的新增/修改/删除记录，含变更前后快照。"""

    queryset = ChangeLog.objects.select_related("content_type")
    serializer_class = ChangeLogSerializer
    filterset_class = ChangeLogFilterSet
    ordering = ["-time", "-id"]


class OperationLogViewSet(ScopedReadOnlyViewSet):
    """操作日志（只读）：导入、导出、授权、确认等业务操作。"""

    queryset = OperationLog.objects.all()
    serializer_class = OperationLogSerializer
    filterset_class = OperationLogFilterSet
    ordering = ["-time", "-id"]


class JobViewSet(ScopedReadOnlyViewSet):
    """后台任务：进度、结果、取消。"""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    filterset_class = JobFilterSet
    ordering = ["-created_at", "-id"]

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"], scope_action="view")
    def cancel(self, request: Request, pk: Any = None) -> Response:
        job = self.get_object()
        if not request.user.has_perm("core.cancel_job"):
            return Response({"detail": "您没有取消后台任务的权限"}, status=403)
        job = job_cancel(actor=request.user, job=job)
        return Response(JobSerializer(job).data)


router = DefaultRouter()
router.register("changes", ChangeLogViewSet)
router.register("operations", OperationLogViewSet)
router.register("jobs", JobViewSet)
app_name = "core"
urlpatterns = router.urls
