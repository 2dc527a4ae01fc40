from __future__ import annotations

from typing import Any, cast

from rest_framework import serializers

from jiangqiao.core.api.serializers import BriefSerializerMixin, ChoiceDisplayField
from jiangqiao.core.choices import DataScope, Status
from jiangqiao.orgs.models import Organization

from ..choices import LoginStatus
from ..models import LoginLog, Role, User


class RoleBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["id", "code", "name"]


class UserSerializer(BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="display_name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:accounts:user-detail")
    org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    roles = RoleBriefSerializer(many=True, read_only=True)
    brief_fields = ("id", "display", "url", "username")

    class Meta:
        model = User
        fields = [
            "id",
            "display",
            "url",
            "username",
            "real_name",
            "email",
            "org",
            "roles",
            "is_active",
            "must_change_password",
            "last_login",
            "date_joined",
            "remark",
        ]
        read_only_fields = ["is_active", "must_change_password", "last_login", "date_joined"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "org" in self.fields:
            field = cast(serializers.PrimaryKeyRelatedField, self.fields["org"])  # type: ignore[type-arg]
            field.queryset = Organization.objects.visible_to(request.user, "view")  # type: ignore[arg-type]
        if self.instance is not None and "username" in self.fields:
            self.fields["username"].read_only = True


class RoleSerializer(BriefSerializerMixin, serializers.ModelSerializer):
    display = serializers.CharField(source="name", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:accounts:role-detail")
    data_scope = ChoiceDisplayField(choices=DataScope.choices)
    status = ChoiceDisplayField(choices=Status.choices, read_only=True)
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = [
            "id",
            "display",
            "url",
            "code",
            "name",
            "data_scope",
            "custom_orgs",
            "is_builtin",
            "status",
            "remark",
            "permissions",
        ]
        read_only_fields = fields

    def get_permissions(self, obj: Role) -> list[str]:
        return [
            f"{p.content_type.app_label}.{p.codename}"
            for p in obj.group.permissions.select_related("content_type")
        ]


class LoginLogSerializer(serializers.ModelSerializer):
    status = ChoiceDisplayField(choices=LoginStatus.choices)

    class Meta:
        model = LoginLog
        fields = ["id", "time", "username", "user", "org", "status", "ip", "user_agent", "message"]
        read_only_fields = fields
