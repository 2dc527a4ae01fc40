from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet

from jiangqiao.core.choices import DataScope, Status
from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.pickers import ObjectFilter

from .choices import LoginStatus
from .models import LoginLog, Role, User


class UserFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="search", max_length=50)
    org_id = OrgSubtreeFilter()
    role_id = ObjectFilter("role", label="角色", field_name="roles")
    is_active = filters.BooleanFilter(label="启用")

    class Meta:
        model = User
        fields = ["q", "org_id", "role_id", "is_active"]

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(Q(username__icontains=value) | Q(real_name__icontains=value))


class RoleFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="search", max_length=50)
    data_scope = filters.ChoiceFilter(label="数据范围", choices=DataScope.choices)
    status = filters.ChoiceFilter(label="状态", choices=Status.choices)

    class Meta:
        model = Role
        fields = ["q", "data_scope", "status"]

    def search(self, queryset: QuerySet[Role], name: str, value: str) -> QuerySet[Role]:
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class LoginLogFilterSet(filters.FilterSet):
    username = filters.CharFilter(label="登录账号", lookup_expr="icontains", max_length=150)
    status = filters.ChoiceFilter(label="结果", choices=LoginStatus.choices)
    ip = filters.CharFilter(label="IP", lookup_expr="startswith", max_length=45)
    time_after = filters.DateFilter(label="开始日期", field_name="time", lookup_expr="date__gte")
    time_before = filters.DateFilter(label="结束日期", field_name="time", lookup_expr="date__lte")
    org_id = OrgSubtreeFilter()

    class Meta:
        model = LoginLog
        fields = ["username", "status", "ip", "time_after", "time_before", "org_id"]
