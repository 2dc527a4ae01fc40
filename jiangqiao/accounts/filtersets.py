"""Filters of the user, role, login-log and API-token lists.

The 需关注 filters say which accounts need an administrator (``attention_q``), which hold
privileged roles (``privileged_q``) and which tokens expire soon (``token_state_q``); the home
panels of the 三员 count with these same filters, so a count always equals its list.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters as filters
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from jiangqiao.core.choices import DataScope, Status
from jiangqiao.core.filters import OrgSubtreeFilter, RecentFilter
from jiangqiao.core.pickers import ObjectFilter

from .choices import AccountAttention, LoginStatus, TokenState
from .models import ApiToken, LoginLog, Role, User

#: An enabled account unused this long is 长期未登录 (to be disabled).
DORMANT_DAYS = 90
#: A password that expires within this many days is 即将过期.
PASSWORD_WARN_DAYS = 14
#: A token that expires within this many days is 即将到期.
TOKEN_WARN_DAYS = 30


def locked_usernames(now: Any = None) -> QuerySet[Any]:
    """User names django-axes locks out now: as many failures as the limit, the last one within
    the cool-off time (attempts during a lockout do not move it: AXES_RESET_COOL_OFF_…=False)."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    now = now or timezone.now()
    rows = AccessAttempt.objects.filter(
        failures_since_start__gte=int(getattr(settings, "AXES_FAILURE_LIMIT", 5))
    )
    cooloff = get_cool_off()
    if cooloff is not None:  # None: locked until an administrator resets the attempts
        rows = rows.filter(attempt_time__gte=now - cooloff)
    return rows.values("username")


def attention_q(kind: str, now: Any = None) -> Q:
    """The accounts of one 需关注 kind (``AccountAttention``)."""
    now = now or timezone.now()
    max_age = int(getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0) or 0)
    if kind == AccountAttention.LOCKED:
        return Q(username__in=locked_usernames(now))
    if kind == AccountAttention.NEVER:
        return Q(is_active=True, last_login__isnull=True)
    if kind == AccountAttention.DORMANT:
        return Q(is_active=True, last_login__lt=now - timedelta(days=DORMANT_DAYS))
    if kind in (AccountAttention.PASSWORD_EXPIRED, AccountAttention.PASSWORD_EXPIRING):
        if not max_age:  # no password expiry configured
            return Q(pk__in=[])
        expired_before = now - timedelta(days=max_age)
        if kind == AccountAttention.PASSWORD_EXPIRED:
            return Q(is_active=True, password_changed_at__lt=expired_before)
        return Q(
            is_active=True,
            password_changed_at__gte=expired_before,
            password_changed_at__lt=expired_before + timedelta(days=PASSWORD_WARN_DAYS),
        )
    return Q(pk__in=[])


def privileged_roles() -> QuerySet[Role]:
    """Enabled roles that make an account privileged: a 三员 administrator's account
    permissions (``duties.ADMIN_ACCOUNT_PERMISSIONS``) or the 全部数据 scope."""
    from .duties import ADMIN_ACCOUNT_PERMISSIONS

    perms = Q(pk__in=[])
    for names in ADMIN_ACCOUNT_PERMISSIONS.values():
        for name in names:
            app_label, codename = name.split(".", 1)
            perms |= Q(
                group__permissions__content_type__app_label=app_label,
                group__permissions__codename=codename,
            )
    return Role.objects.filter(status=Status.ACTIVE).filter(perms | Q(data_scope=DataScope.ALL))


def privileged_q() -> Q:
    """Accounts holding a privileged role (``privileged_roles``), and superusers."""
    holders = User.roles.through.objects.filter(role__in=privileged_roles()).values("user_id")
    return Q(pk__in=holders) | Q(is_superuser=True)


class UserFilterSet(filters.FilterSet):
    q = filters.CharFilter(label="关键字", method="search", max_length=50)
    org_id = OrgSubtreeFilter()
    role_id = ObjectFilter("role", label="角色", field_name="roles")
    is_active = filters.BooleanFilter(label="启用")
    attention = filters.ChoiceFilter(
        label="需关注", choices=AccountAttention.choices, method="filter_attention"
    )
    privileged = filters.BooleanFilter(
        label="特权账号",
        method="filter_privileged",
        help_text="持有三员管理职责或“全部数据”范围角色的账号，以及超级用户",
        widget=forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")]),
    )

    class Meta:
        model = User
        fields = ["q", "org_id", "role_id", "is_active", "attention", "privileged"]

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(Q(username__icontains=value) | Q(real_name__icontains=value))

    def filter_attention(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(attention_q(value)) if value else queryset

    def filter_privileged(self, queryset: QuerySet[User], name: str, value: Any) -> QuerySet[User]:
        if value is None:
            return queryset
        return queryset.filter(privileged_q()) if value else queryset.exclude(privileged_q())


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
    within = RecentFilter()
    org_id = OrgSubtreeFilter()

    class Meta:
        model = LoginLog
        fields = ["username", "status", "ip", "time_after", "time_before", "within", "org_id"]


def token_state_q(state: str, now: Any = None) -> Q:
    """The tokens of one ``TokenState``; 即将到期 are valid ones expiring within
    ``TOKEN_WARN_DAYS`` days."""
    now = now or timezone.now()
    valid = Q(revoked_at__isnull=True, expires_at__gt=now)
    if state == TokenState.ACTIVE:
        return valid
    if state == TokenState.EXPIRING:
        return valid & Q(expires_at__lte=now + timedelta(days=TOKEN_WARN_DAYS))
    if state == TokenState.EXPIRED:
        return Q(revoked_at__isnull=True, expires_at__lte=now)
    if state == TokenState.REVOKED:
        return Q(revoked_at__isnull=False)
    return Q(pk__in=[])


class ApiTokenFilterSet(filters.FilterSet):
    """API 令牌管理: by state (有效 / 30 天内到期 / 已过期 / 已吊销)."""

    state = filters.ChoiceFilter(label="状态", choices=TokenState.choices, method="filter_state")

    class Meta:
        model = ApiToken
        fields = ["state"]

    def filter_state(
        self, queryset: QuerySet[ApiToken], name: str, value: str
    ) -> QuerySet[ApiToken]:
        return queryset.filter(token_state_q(value)) if value else queryset
