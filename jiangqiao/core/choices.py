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
    # Running, then no progress and no heartbeat for ``JIANGQIAO_JOB_STALE_MINUTES``: its worker
    # was killed or lost; what it had not committed was rolled back, and it can be run again.
    INTERRUPTED = "interrupted", "已中断"


JOB_STATUS_COLORS: dict[str, str] = {
    JobStatus.QUEUED: "secondary",
    JobStatus.RUNNING: "blue",
    JobStatus.SUCCEEDED: "green",
    JobStatus.FAILED: "red",
    JobStatus.CANCELLED: "orange",
    JobStatus.INTERRUPTED: "yellow",
}
JOB_FINISHED = {
    JobStatus.SUCCEEDED,
    JobStatus.FAILED,
    JobStatus.CANCELLED,
    JobStatus.INTERRUPTED,
}


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    CANCELLED = "cancelled", "已撤回"


APPROVAL_STATUS_COLORS: dict[str, str] = {
    ApprovalStatus.PENDING: "orange",
    ApprovalStatus.APPROVED: "green",
    ApprovalStatus.REJECTED: "red",
    ApprovalStatus.CANCELLED: "secondary",
}


class NotificationLevel(models.TextChoices):
    INFO = "info", "通知"
    WARNING = "warning", "提醒"
    SECURITY = "security", "安全"


NOTIFICATION_LEVEL_COLORS: dict[str, str] = {
    NotificationLevel.INFO: "blue",
    NotificationLevel.WARNING: "orange",
    NotificationLevel.SECURITY: "red",
}


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "待检查"
    CHECKING = "checking", "检查中"
    CHECKED = "checked", "已检查"
    REJECTED = "rejected", "文件无法导入"
    COMMITTING = "committing", "导入中"
    COMMITTED = "committed", "已导入"
    FAILED = "failed", "导入失败"
    CANCELLED = "cancelled", "已取消"


IMPORT_STATUS_COLORS: dict[str, str] = {
    ImportStatus.UPLOADED: "secondary",
    ImportStatus.CHECKING: "blue",
    ImportStatus.CHECKED: "cyan",
    ImportStatus.REJECTED: "red",
    ImportStatus.COMMITTING: "blue",
    ImportStatus.COMMITTED: "green",
    ImportStatus.FAILED: "red",
    ImportStatus.CANCELLED: "orange",
}


class ImportMode(models.TextChoices):
    ALL = "all", "全部正确才导入（有错误则一条不导入）"
    VALID = "valid", "导入正确的行，错误的行退回"


class MergePolicy(models.TextChoices):
    FILL_BLANKS = "fill", "保留已有值，只补充空白项"
    PREFER_FILE = "file", "以导入文件为准（非空值覆盖已有值）"


class RowOutcome(models.TextChoices):
    NEW = "new", "新增"
    UPDATE = "update", "更新"
    UNCHANGED = "unchanged", "无变化"
    DUPLICATE = "duplicate", "重复合并"
    ERROR = "error", "错误"


class CalendarSource(models.TextChoices):
    """Where a day of the working-day calendar comes from (``core.workdays``)."""

    BUILTIN = "builtin", "内置"
    MANUAL = "manual", "人工"
