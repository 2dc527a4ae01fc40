"""The home panels of the three administrators (三员): each one's own work, no raw totals.

* 系统待处理 (系统管理员, who may change accounts): accounts locked now, never used, with an
  expired or soon-expiring password, unused for ``DORMANT_DAYS`` (to be disabled); background
  jobs running, queued, failed or interrupted (``core.home.job_counts``). The reference data's
  versions are the taxonomy's panel.
* 登录与授权安全 (安全管理员, who assigns roles): failed logins and lockouts in the last 24 hours
  and 7 days, accounts with privileged roles, API tokens expiring within 30 days, bulk exports
  waiting for his approval.
* 审计关注 (审计管理员, who reads every log): the last 7 days' grants of roles, changes of roles,
  API tokens issued or revoked, exports, views of personal data, forced operations, failed
  operations and failed logins, and the latest of those events, each count linking to the log
  page filtered to it.

Every count is that of the list it links to, filtered by the same FilterSet on the same scoped
rows (``core.home.filtered_count``): an administrator of a city sees his city's rows only.
"""

from __future__ import annotations

from typing import Any

from jiangqiao.core.choices import ApprovalStatus, BusinessType, OperationStatus
from jiangqiao.core.home import HomePanel, WorkCount, filtered_count, list_link, register

from .choices import AccountAttention, LoginStatus, TokenState

#: 账号待处理: the kinds counted, and which of them are shown red when not zero.
ATTENTION_RED = {AccountAttention.LOCKED, AccountAttention.PASSWORD_EXPIRED}


def attention_items(*, user: Any, request: Any = None) -> list[WorkCount]:
    from .filtersets import UserFilterSet
    from .models import User

    users = User.objects.visible_to(user, "view")
    items = []
    for kind in AccountAttention:
        url = list_link("accounts:user_list", attention=kind.value)
        n = filtered_count(UserFilterSet, users, url, request)
        items.append(
            WorkCount(kind.value, str(kind.label), n, url, red=kind in ATTENTION_RED and n > 0)
        )
    return items


def security_items(*, user: Any, request: Any = None) -> list[WorkCount]:
    from jiangqiao.core import approvals
    from jiangqiao.core.filtersets import ApprovalFilterSet
    from jiangqiao.core.io.exporting import EXPORT_APPROVAL

    from .filtersets import ApiTokenFilterSet, LoginLogFilterSet, UserFilterSet
    from .models import ApiToken, LoginLog, User

    items = []
    if user.has_perm("accounts.view_loginlog"):
        logs = LoginLog.objects.visible_to(user, "view")
        for key, label, status, within in (
            ("failures_24h", "登录失败（24小时）", LoginStatus.FAILURE, "24h"),
            ("failures_7d", "登录失败（7天）", LoginStatus.FAILURE, "7d"),
            ("lockouts_24h", "账号锁定（24小时）", LoginStatus.LOCKED, "24h"),
            ("lockouts_7d", "账号锁定（7天）", LoginStatus.LOCKED, "7d"),
        ):
            url = list_link("accounts:loginlog_list", status=status.value, within=within)
            n = filtered_count(LoginLogFilterSet, logs, url, request)
            items.append(WorkCount(key, label, n, url, red=status == LoginStatus.LOCKED and n > 0))
    if user.has_perm("accounts.view_user"):
        url = list_link("accounts:user_list", privileged="true", is_active="true")
        users = User.objects.visible_to(user, "view")
        items.append(
            WorkCount(
                "privileged", "特权账号", filtered_count(UserFilterSet, users, url, request), url
            )
        )
    if user.has_perm("accounts.view_apitoken"):
        url = list_link("accounts:token_all", state=TokenState.EXPIRING.value)
        tokens = ApiToken.objects.visible_to(user, "view")
        items.append(
            WorkCount(
                "tokens_expiring",
                "API令牌30天内到期",
                filtered_count(ApiTokenFilterSet, tokens, url, request),
                url,
            )
        )
    if user.has_perm("core.approve_export"):
        url = list_link(
            "core:approval_list", status=ApprovalStatus.PENDING.value, kind=EXPORT_APPROVAL
        )
        n = filtered_count(ApprovalFilterSet, approvals.approval_list(user=user), url, request)
        items.append(WorkCount("exports_pending", "待审批的导出", n, url, red=n > 0))
    return items


#: 审计关注: what is counted over the last 7 days — grants of roles to users, changes of roles'
#: permissions or scopes, API tokens issued or revoked (all 授权, told apart by their module),
#: exports, views of personal data in clear, forced operations (an administrator's password reset).
AUDIT_COUNTS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("user_grants", "用户授权", {"business_type": BusinessType.GRANT, "module": "用户管理"}),
    ("role_changes", "角色权限变更", {"business_type": BusinessType.GRANT, "module": "角色管理"}),
    ("tokens", "API令牌签发与吊销", {"business_type": BusinessType.GRANT, "module": "API 令牌"}),
    ("exports", "数据导出", {"business_type": BusinessType.EXPORT}),
    ("sensitive", "查看敏感信息", {"business_type": BusinessType.VIEW_SENSITIVE}),
    ("forced", "强制操作", {"business_type": BusinessType.FORCE}),
)
AUDIT_WITHIN = "7d"
AUDIT_RECENT = 8


def audit_items(*, user: Any, request: Any = None) -> list[WorkCount]:
    from jiangqiao.core.filtersets import OperationLogFilterSet
    from jiangqiao.core.selectors import operationlog_list

    from .filtersets import LoginLogFilterSet
    from .models import LoginLog

    items = []
    ops = operationlog_list(user=user)
    for key, label, params in AUDIT_COUNTS:
        url = list_link("core:operationlog_list", **params, within=AUDIT_WITHIN)
        n = filtered_count(OperationLogFilterSet, ops, url, request)
        items.append(WorkCount(key, label, n, url))
    url = list_link(
        "core:operationlog_list", status=OperationStatus.FAIL.value, within=AUDIT_WITHIN
    )
    n = filtered_count(OperationLogFilterSet, ops, url, request)
    items.append(WorkCount("failed_operations", "操作失败", n, url, red=n > 0))
    if user.has_perm("accounts.view_loginlog"):
        url = list_link(
            "accounts:loginlog_list", status=LoginStatus.FAILURE.value, within=AUDIT_WITHIN
        )
        logs = LoginLog.objects.visible_to(user, "view")
        n = filtered_count(LoginLogFilterSet, logs, url, request)
        items.append(WorkCount("failed_logins", "登录失败", n, url))
    return items


def _audit_q() -> Any:
    from django.db.models import Q

    q = Q(pk__in=[])
    for _, _, params in AUDIT_COUNTS:
        condition = Q(business_type=params["business_type"])
        if "module" in params:
            condition &= Q(module__icontains=params["module"])
        q |= condition
    return q


def audit_events(*, user: Any, limit: int = AUDIT_RECENT) -> list[Any]:
    """The latest of the events counted above that the user may read, newest first."""
    from jiangqiao.core.selectors import operationlog_list

    return list(
        operationlog_list(user=user)
        .filter(_audit_q())
        .select_related("user")
        .order_by("-time", "-pk")[:limit]
    )


def attention_context(request: Any) -> dict[str, Any]:
    from jiangqiao.core.home import job_counts

    user = request.user
    return {
        "items": attention_items(user=user, request=request),
        "jobs": job_counts(user=user, request=request) if user.has_perm("core.view_job") else [],
    }


def security_context(request: Any) -> dict[str, Any] | None:
    items = security_items(user=request.user, request=request)
    return {"items": items} if items else None


def audit_context(request: Any) -> dict[str, Any]:
    from jiangqiao.core import auditchain

    return {
        "items": audit_items(user=request.user, request=request),
        "events": audit_events(user=request.user),
        "chains": auditchain.states(),
    }


register(
    HomePanel(
        "accounts.attention",
        "系统待处理",
        template="accounts/home/_attention.html",
        context=attention_context,
        permission="accounts.change_user",
        weight=500,
    ),
    HomePanel(
        "accounts.security",
        "登录与授权安全",
        template="accounts/home/_security.html",
        context=security_context,
        permission="accounts.assign_role",
        weight=510,
    ),
    HomePanel(
        "accounts.audit",
        "审计关注（最近7天）",
        template="accounts/home/_audit.html",
        context=audit_context,
        permission="core.view_all_logs",
        weight=520,
    ),
)
