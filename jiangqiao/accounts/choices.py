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
