from __future__ import annotations

from typing import Any

from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet

from .. import services
from ..filtersets import LoginLogFilterSet, RoleFilterSet, UserFilterSet
from ..models import LoginLog, Role, User
from .serializers import LoginLogSerializer, RoleSerializer, UserSerializer


class UserViewSet(ScopedModelViewSet):
    """用户账号。新建的账号带一次性初始密码（响应中返回一次），首次登录须修改。"""

    queryset = User.objects.select_related("org").prefetch_related("roles")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    ordering_fields = ["username", "date_joined", "last_login"]
    ordering = ["username"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        user, initial = services.user_create(
            actor=self.request.user,
            username=data["username"],
            org=data.get("org"),
            real_name=data.get("real_name", ""),
            email=data.get("email", ""),
            remark=data.get("remark", ""),
        )
        serializer.instance = user
        self.initial_password = initial

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().create(request, *args, **kwargs)
        response.data["initial_password"] = self.initial_password
        return response

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        data = {
            k: v
            for k, v in serializer.validated_data.items()
            if k in ("real_name", "email", "remark")
        }
        assert serializer.instance is not None
        user = services.user_update(actor=self.request.user, user=serializer.instance, data=data)
        self.pending_move = None
        if "org" in serializer.validated_data:
            self.pending_move = services.user_move(
                actor=self.request.user, user=user, org=serializer.validated_data["org"]
            )
        user.refresh_from_db()
        serializer.instance = user

    def update(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """修改账号。调到上级或平级单位会扩大数据范围：所属组织不立即改变，返回 202 和待审批事项。"""
        response = super().update(request, *args, **kwargs)
        pending = getattr(self, "pending_move", None)
        if pending is not None:
            response.status_code = 202
            response.data["pending_approval"] = {
                "id": pending.pk,
                "title": pending.title,
                "detail": "调到上级或平级单位会扩大数据范围，已提交安全管理员审批；批准前所属组织不变。",
            }
        return response


class RoleViewSet(ScopedReadOnlyViewSet):
    """角色（功能权限 + 数据范围），只读；在页面上维护。"""

    queryset = Role.objects.select_related("group").prefetch_related("custom_orgs")
    serializer_class = RoleSerializer
    filterset_class = RoleFilterSet
    ordering = ["sort", "id"]


class LoginLogViewSet(ScopedReadOnlyViewSet):
    """登录日志，只读，按数据范围过滤；审计管理员可见全部。"""

    queryset = LoginLog.objects.all()
    serializer_class = LoginLogSerializer
    filterset_class = LoginLogFilterSet
    ordering = ["-time"]
