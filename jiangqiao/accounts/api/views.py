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
            if k in ("real_name", "email", "org", "remark")
        }
        assert serializer.instance is not None
        serializer.instance = services.user_update(
            actor=self.request.user, user=serializer.instance, data=data
        )


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
