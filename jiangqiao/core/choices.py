"""Choices shared by every app. Values are lower-case English; labels are Chinese."""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    ACTIVE = "active", "正常"
    DISABLED = "disabled", "停用"


STATUS_COLORS: dict[str, str] = {Status.ACTIVE: "green", Status.DISABLED: "secondary"}


class DataScope(models.TextChoices):
    """What rows a role may see. Several roles of one user are ORed together (RuoYi semantics)."""

    ALL = "all", "全部数据"
    CUSTOM = "custom", "自定义组织"
    ORG_AND_BELOW = "org_and_below", "本级及下级"
    ORG = "org", "仅本级"
    SELF = "self", "仅本人"


class ChangeAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"


CHANGE_ACTION_COLORS: dict[str, str] = {
    ChangeAction.CREATE: "green",
    ChangeAction.UPDATE: "blue",
    ChangeAction.DELETE: "red",
}


class BusinessType(models.TextChoices):
    """Operation-log business types (RuoYi-compatible names)."""

    OTHER = "other", "其他"
    INSERT = "insert", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    GRANT = "grant", "授权"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    APPROVE = "approve", "审核"
    CONFIRM = "confirm", "确认"
    SUBMIT = "submit", "提交"
    VIEW_SENSITIVE = "view_sensitive", "查看敏感信息"
    FORCE = "force", "强制操作"
    CLEAN = "clean", "清理"


class OperationStatus(models.TextChoices):
    SUCCESS = "success", "成功"
    FAIL = "fail", "失败"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


JOB_STATUS_COLORS: dict[str, str] = {
    JobStatus.QUEUED: "secondary",
    JobStatus.RUNNING: "blue",
    JobStatus.SUCCEEDED: "green",
    JobStatus.FAILED: "red",
    JobStatus.CANCELLED: "orange",
}
JOB_FINISHED = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
