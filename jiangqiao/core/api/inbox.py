"""API of the personal inbox: one's own messages and the approvals one filed or may decide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from jiangqiao.core import approvals, notifications
from jiangqiao.core.api.serializers import ChoiceDisplayField
from jiangqiao.core.choices import ApprovalStatus, NotificationLevel
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ApprovalRequest, Notification


class NotificationSerializer(serializers.ModelSerializer):
    level = ChoiceDisplayField(choices=NotificationLevel.choices)

    class Meta:
        model = Notification
        # The one-time secret is shown on the page only, never through the API.
        fields = ["id", "level", "title", "body", "link", "actor_name", "created_at", "read_at"]
        read_only_fields = fields


class ReadAllSerializer(serializers.Serializer):
    count = serializers.IntegerField(label="标为已读的条数")


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """本人的站内消息（只读）；`read` 标为已读，`read_all` 全部标为已读。"""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    queryset = Notification.objects.none()

    def get_queryset(self) -> Any:
        return notifications.notification_list(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        """标为已读。"""
        obj = self.get_object()
        notifications.notification_mark_read(user=request.user, notification=obj)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=None, responses=ReadAllSerializer)
    @action(detail=False, methods=["post"])
    def read_all(self, request: Request) -> Response:
        """全部标为已读。"""
        return Response({"count": notifications.notification_mark_all_read(user=request.user)})


class ApprovalSerializer(serializers.ModelSerializer):
    status = ChoiceDisplayField(choices=ApprovalStatus.choices)
    requested_by: serializers.StringRelatedField = serializers.StringRelatedField()
    decided_by: serializers.StringRelatedField = serializers.StringRelatedField()

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "kind",
            "title",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ApprovalDecisionSerializer(serializers.Serializer):
    decision_note = serializers.CharField(
        label="审批意见", required=False, allow_blank=True, max_length=500
    )


class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """审批事项：本人提交的，以及本人有权审批的类型；`approve`/`reject` 审批（一人一次，先到先得）。"""

    serializer_class = ApprovalSerializer
    permission_classes = [IsAuthenticated]
    queryset = ApprovalRequest.objects.none()
    extra_query_params = ("status",)  # read in get_queryset()

    def get_queryset(self) -> Any:
        qs = approvals.approval_list(user=self.request.user).select_related(
            "requested_by", "decided_by"
        )
        status = self.request.query_params.get("status")
        if status is not None:
            if status not in ApprovalStatus.values:
                raise serializers.ValidationError({"status": "状态：取值不正确"})
            qs = qs.filter(status=status)
        return qs

    def _decide(self, request: Request, approve: bool) -> Response:
        obj = self.get_object()
        data = ApprovalDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            obj = approvals.approval_decide(
                actor=request.user,
                request=obj,
                approve=approve,
                note=data.validated_data.get("decision_note", ""),
            )
        except BusinessError as exc:
            return Response({"detail": exc.message}, status=409 if "已由" in exc.message else 400)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=ApprovalDecisionSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """批准并执行。"""
        return self._decide(request, True)

    @extend_schema(request=ApprovalDecisionSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """驳回（须填写审批意见）。"""
        return self._decide(request, False)


router = DefaultRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("approvals", ApprovalViewSet, basename="approval")
app_name = "inbox"
urlpatterns = router.urls
