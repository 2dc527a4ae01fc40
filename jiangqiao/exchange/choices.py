"""Choices of the exchange app: lower-case English values, Chinese labels, colour maps."""

from __future__ import annotations

from django.db import models


class Direction(models.TextChoices):
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"


class FileKind(models.TextChoices):
    """What a file holds: the current state of everything, or what changed since a cursor."""

    SNAPSHOT = "snapshot", "全量快照"
    CHANGES = "changes", "增量变更"


class PiiMode(models.TextChoices):
    """How personal identifiers (ID number, mobile) leave this instance."""

    FULL = "full", "明文（需查看敏感信息权限）"
    MASKED = "masked", "脱敏"
    HASH = "hash", "密钥散列（仅用于去重）"


class BatchStatus(models.TextChoices):
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    DRY_RUN = "dry_run", "预检（未写入）"
    FAILED = "failed", "失败（未写入）"


BATCH_STATUS_COLORS: dict[str, str] = {
    BatchStatus.RUNNING: "blue",
    BatchStatus.DONE: "green",
    BatchStatus.DRY_RUN: "azure",
    BatchStatus.FAILED: "red",
}

DIRECTION_COLORS: dict[str, str] = {Direction.EXPORT: "purple", Direction.IMPORT: "teal"}


class RecordType(models.TextChoices):
    """Record types of the format, in the order a file lists (and an import applies) them."""

    ENTERPRISE = "enterprise", "企业"
    CRAFTSMAN = "craftsman", "劳模工匠"
    TEAM = "team", "服务队"
    DEMAND = "demand", "需求"
    MATCH = "match", "匹配"
    SERVICE_RECORD = "service_record", "服务记录"


class Outcome(models.TextChoices):
    """What an import did with one record."""

    NEW = "new", "新增"
    UPDATED = "updated", "更新"
    UNCHANGED = "unchanged", "未变化"
    CONFLICT = "conflict", "冲突（未覆盖）"
    ERROR = "error", "错误"
    SKIPPED = "skipped", "跳过"
