from __future__ import annotations

from django.db import models


class LoginStatus(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    LOCKED = "locked", "已锁定"
    LOGOUT = "logout", "退出"


LOGIN_STATUS_COLORS: dict[str, str] = {
    LoginStatus.SUCCESS: "green",
    LoginStatus.FAILURE: "red",
    LoginStatus.LOCKED: "orange",
    LoginStatus.LOGOUT: "secondary",
}


class BuiltinRole(models.TextChoices):
    """The roles every installation starts with (codes are stable; names may be edited)."""

    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"
    PROVINCIAL_TASK_FORCE = "provincial_task_force", "省总工作专班"
    UNION_STAFF = "union_staff", "工会工作人员"
    ENTERPRISE_CONTACT = "enterprise_contact", "企业联络人"
    CRAFTSMAN = "craftsman", "劳模工匠"
    ACADEMY_ADMIN = "academy_admin", "学院管理员"


class AccountAttention(models.TextChoices):
    """Accounts that need the system administrator (the user list's 需关注 filter, the home panel).

    ``dormant``: an enabled account not used for ``DORMANT_DAYS`` — to be disabled (等保: 及时
    删除或停用多余的、过期的账户); ``password_expiring``: the password expires within
    ``PASSWORD_WARN_DAYS`` days (the account will then be forced to change it)."""

    LOCKED = "locked", "当前被锁定"
    NEVER = "never", "从未登录"
    PASSWORD_EXPIRED = "password_expired", "密码已过期"
    PASSWORD_EXPIRING = "password_expiring", "密码14天内过期"
    DORMANT = "dormant", "长期未登录（宜停用）"


class TokenState(models.TextChoices):
    """The state of an API token as the 令牌管理 page filters it."""

    ACTIVE = "active", "有效"
    EXPIRING = "expiring", "30天内到期"
    EXPIRED = "expired", "已过期"
    REVOKED = "revoked", "已吊销"


class TokenScope(models.TextChoices):
    """API areas a token can be limited to (none ticked: every API its owner may use)."""

    EXCHANGE = "exchange", "数据交换"


#: The API paths each area covers (a scoped token is refused everywhere else).
TOKEN_SCOPE_PATHS: dict[str, tuple[str, ...]] = {
    TokenScope.EXCHANGE: ("/api/v1/exchange/",),
}


class CodePurpose(models.TextChoices):
    """What a one-time SMS code confirms (``accounts.phone_codes``): a code of one purpose never
    confirms another."""

    REGISTRATION = "registration", "企业自助注册"
    ASSISTED_CONFIRM = "assisted_confirm", "确认联络员代录的需求"
