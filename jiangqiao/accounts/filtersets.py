from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import Q, QuerySet

from jiangqiao.core.choices import DataScope, Status
from jiangqiao.core.scope import subtree_q
from jiangqiao.orgs.models import Organization

from .choices import LoginStatus
from .models import LoginLog, Role, User


def _org_subtree(queryset: QuerySet[Any], value: int, field: str = "org") -> QuerySet[Any]:
    root = Organization.objects.filter(pk=value).only("path").first()
    if root is None:
        return queryset.none()
    return queryset.filter(subtree_q(root.path, field=field))


class UserFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="search", max_length=50)
    org_id = filters.NumberFilter(label="所属组织（含下级）", method="filter_org")
    role_id = filters.NumberFilter(label="角色ID", field_name="roles__id")
    is_active = filters.BooleanFilter(label="启用")

    class Meta:
        model = User
        fields = ["q", "org_id", "role_id", "is_active"]

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(Q(username__icontains=value) | Q(real_name__icontains=value))

    def filter_org(self, queryset: QuerySet[User], name: str, value: int) -> QuerySet[Any]:
        return _org_subtree(queryset, value)


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
    org_id = filters.NumberFilter(label="所属组织（含下级）", method="filter_org")

    class Meta:
        model = LoginLog
        fields = ["username", "status", "ip", "time_after", "time_before", "org_id"]

    def filter_org(self, queryset: QuerySet[LoginLog], name: str, value: int) -> QuerySet[Any]:
        return _org_subtree(queryset, value)
