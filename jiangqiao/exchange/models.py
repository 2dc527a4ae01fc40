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

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from jiangqiao.core.crypto import EncryptedFileField, EncryptedTextField
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


class ExchangePeer(OrgOwnedModel):
    """The other instance of a live exchange link (``docs/exchange.md`` §11 实时交换).

    This side pushes incremental batches to the peer: the changes after ``acked_cursor`` (the
    change log's commit-order position the peer has confirmed), exported as ``run_as`` sees them,
    every ``interval_minutes``. The batch being delivered is kept whole (``pending_*``) until the
    peer acknowledges it, and resent unchanged — same key, same bytes — after a failure, so the
    peer applies it exactly once. The token (issued on the peer, scope 数据交换) is stored
    encrypted and never shown again.
    """

    name = models.CharField("名称", max_length=100, unique=True)
    base_url = models.URLField("对方地址", help_text="如 https://national.example.cn")
    token = EncryptedTextField("对方签发的 API 令牌", blank=True)
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name="导出账号",
        help_text="按此账号的数据范围与权限导出",
    )
    types = models.JSONField("记录类型", default=list, blank=True)
    pii = models.CharField("个人标识形式", max_length=10, choices=PiiMode.choices)
    interval_minutes = models.PositiveIntegerField("同步间隔（分钟）", default=10)
    is_active = models.BooleanField("启用", default=True)
    acked_cursor = models.BigIntegerField("对方已确认的游标", default=0, editable=False)
    pending_key = models.CharField("待确认批次", max_length=64, blank=True, editable=False)
    pending_content = EncryptedFileField(
        "待确认批次内容（加密）", null=True, blank=True, editable=False
    )
    pending_cursor_to = models.BigIntegerField("待确认批次截止游标", null=True, editable=False)
    pending_batch = models.ForeignKey(
        ExchangeBatch,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="待确认的导出批次",
    )
    attempts = models.PositiveIntegerField("本批发送次数", default=0, editable=False)
    lease_until = models.DateTimeField("同步占用至", null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField("最近尝试", null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField("最近成功", null=True, blank=True, editable=False)
    last_error = models.TextField("最近错误", blank=True, editable=False)
    last_result = models.JSONField("最近结果", default=dict, blank=True, editable=False)

    audit_exclude: ClassVar[tuple[str, ...]] = (
        "token",
        "pending_content",
        "pending_key",
        "pending_cursor_to",
        "pending_batch",
        "attempts",
        "lease_until",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "last_result",
        "acked_cursor",
    )

    class Meta:
        verbose_name = "交换对端"
        verbose_name_plural = "交换对端"
        ordering = ["name"]
        permissions = [("sync_exchangepeer", "立即同步交换对端")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("exchange:peer_detail", args=[self.pk])


class ExchangeReceipt(models.Model):
    """A live batch this instance has applied: ``(source instance, batch key)`` once, with the
    SHA-256 of its bytes. Written in the transaction that applies the batch, so a batch is either
    applied and receipted or neither; a resend of the same batch is answered from here."""

    source_instance = models.CharField("来源实例", max_length=100)
    batch_key = models.CharField("批次键", max_length=64)
    sha256 = models.CharField("内容SHA-256", max_length=64)
    batch = models.ForeignKey(
        ExchangeBatch, models.PROTECT, related_name="receipts", verbose_name="导入批次"
    )
    cursor_from = models.BigIntegerField("起始游标", null=True, blank=True)
    cursor_to = models.BigIntegerField("截止游标", null=True, blank=True)
    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    resent = models.PositiveIntegerField("重复送达次数", default=0)

    class Meta:
        verbose_name = "交换批次回执"
        verbose_name_plural = "交换批次回执"
        ordering = ["-received_at", "-pk"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["source_instance", "batch_key"],
                name="exchange_receipt_unique_batch",
                violation_error_message="该批次已接收",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_instance}/{self.batch_key}"
