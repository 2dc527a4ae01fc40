"""National exchange (province ↔ national): batches of exchange files and the identity mapping.

* ``ExchangeBatch`` is one export or import of an exchange file (JSON Lines, see
  ``docs/exchange.md``): who, which file (name, SHA-256), which instance it came from, cursors,
  counts per outcome and the report (every bad line, every conflict). It belongs to the unit of the
  user who ran it. It is not change-logged (like ``core.Job``); the operation log records it.
* ``ExchangeRecord`` maps a record of another instance — ``(source_instance, record_type,
  source_id)`` — to the local object it was imported into, with what was last imported (the
  record's time, version and fingerprint) and the fingerprint of the local object right after that
  import. It is how an import is idempotent, how a local change is told apart from an incoming one
  (conflict), how every imported object keeps the id of the instance it came from, and where the
  keyed hash of a craftsman's ID number is kept when only the hash was received (never shown).
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from jiangqiao.core.models import OrgOwnedModel

from .choices import BatchStatus, Direction, FileKind, PiiMode, RecordType


class ExchangeBatch(OrgOwnedModel):
    """One export or import of an exchange file."""

    direction = models.CharField("方向", max_length=10, choices=Direction.choices, db_index=True)
    kind = models.CharField("文件类型", max_length=10, choices=FileKind.choices, blank=True)
    file_name = models.CharField("文件名", max_length=255, blank=True)
    sha256 = models.CharField("文件SHA-256", max_length=64, blank=True)
    size = models.PositiveBigIntegerField("文件大小（字节）", default=0)
    source_instance = models.CharField("来源实例", max_length=100, blank=True, db_index=True)
    format_version = models.CharField("格式版本", max_length=10, blank=True)
    pii = models.CharField("个人标识形式", max_length=10, choices=PiiMode.choices, blank=True)
    types = models.JSONField("记录类型", default=list, blank=True)
    cursor_from = models.BigIntegerField("起始游标", null=True, blank=True)
    cursor_to = models.BigIntegerField("截止游标", null=True, blank=True)
    dry_run = models.BooleanField("预检", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    total = models.PositiveIntegerField("记录数", default=0)
    new_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("未变化", default=0)
    conflict_count = models.PositiveIntegerField("冲突", default=0)
    error_count = models.PositiveIntegerField("错误", default=0)
    skipped_count = models.PositiveIntegerField("跳过", default=0)
    report = models.JSONField("报告", default=dict, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    audited: ClassVar[bool] = False

    class Meta:
        verbose_name = "交换批次"
        verbose_name_plural = "交换批次"
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("export_exchange", "导出交换文件"),
            ("import_exchange", "导入交换文件"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}批次 #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("exchange:exchangebatch_detail", args=[self.pk])


class ExchangeRecord(models.Model):
    """A record of another instance and the local object it was imported into."""

    source_instance = models.CharField("来源实例", max_length=100)
    record_type = models.CharField("记录类型", max_length=20, choices=RecordType.choices)
    source_id = models.CharField("来源记录ID", max_length=200)
    content_type = models.ForeignKey(
        ContentType, models.PROTECT, related_name="+", verbose_name="本地对象类型"
    )
    object_id = models.BigIntegerField("本地对象ID")
    source_updated_at = models.DateTimeField("来源更新时间", null=True, blank=True)
    source_version = models.PositiveIntegerField("来源版本", null=True, blank=True)
    fingerprint = models.CharField("导入内容指纹", max_length=64)
    local_fingerprint = models.CharField("导入后本地指纹", max_length=64)
    key_hash = models.CharField(
        "身份证号密钥散列", max_length=64, blank=True, db_index=True, editable=False
    )
    first_batch = models.ForeignKey(
        ExchangeBatch,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="首次导入批次",
    )
    last_batch = models.ForeignKey(
        ExchangeBatch,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最近导入批次",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "交换记录映射"
        verbose_name_plural = "交换记录映射"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_instance", "record_type", "source_id"],
                name="exchange_record_unique_source",
                violation_error_message="该来源记录已有映射",
            )
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="exchange_record_object"),
        ]

    def __str__(self) -> str:
        return self.source_id

    @property
    def source_label(self) -> str:
        return f"{self.source_instance}（{RecordType(self.record_type).label}）"
