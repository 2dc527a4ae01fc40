"""Abstract base models and the platform's infrastructure tables (audit logs, jobs)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.timezone import now as timezone_now

from .choices import (
    JOB_FINISHED,
    ApprovalStatus,
    BusinessType,
    CalendarSource,
    ChangeAction,
    ImportMode,
    ImportStatus,
    JobStatus,
    MergePolicy,
    NotificationLevel,
    OperationStatus,
    RowOutcome,
    Status,
)
from .crypto import EncryptedFileField, EncryptedTextField
from .scope import ScopedManager


class LoadedValuesMixin(models.Model):
    """Keeps the field values a row was read with (``_loaded_values``), so ``clean()`` can check
    a rule only on values that changed (``validators.date_rule_errors``)."""

    _loaded_values: dict[str, Any]

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> Any:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_values = dict(zip(field_names, values, strict=False))
        return instance


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class AuditedModel(TimeStampedModel):
    """A model whose creates, updates and deletes are written to the change log.

    ``created_by``/``updated_by`` are set by services, never by views or forms.
    ``audit_exclude`` names fields left out of change-log snapshots (secrets, ciphertext);
    ``audit_mask`` names fields whose values are masked in snapshots.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="创建人",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="更新人",
    )

    audited: ClassVar[bool] = True
    audit_exclude: ClassVar[tuple[str, ...]] = ()
    audit_mask: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True


class OrgOwnedModel(AuditedModel):
    """A row that belongs to an organisation; ``org`` is what the data scope filters on."""

    org = models.ForeignKey(
        "orgs.Organization", models.PROTECT, related_name="+", verbose_name="所属组织"
    )

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "org"
    scope_owner_field: ClassVar[str | None] = "created_by"

    class Meta:
        abstract = True


class StatusMixin(models.Model):
    """Master data is disabled, never hard-deleted."""

    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )

    class Meta:
        abstract = True

    @property
    def is_enabled(self) -> bool:
        return self.status == Status.ACTIVE


class ChainedLog(models.Model):
    """An append-only audit log whose rows are chained by a keyed hash (``core.auditchain``).

    A row is inserted with ``row_mac`` (a MAC of its own content) only; ``chain_seq`` and
    ``chain_hash`` are set when it is sealed, after the inserting transaction commits.

    ``chain_fields`` are the fields the hash covers. The user and organisation foreign keys are
    left out: the database sets them to NULL when the account or unit is deleted (the account name
    is covered). Rows are only ever inserted: saving an existing row is refused."""

    chain_seq = models.BigIntegerField("链序号", null=True, blank=True, unique=True, editable=False)
    # ``db_default``: a row inserted by code that does not know the chain (a data migration's
    # historical model, raw SQL) is stored unsealed with no MAC — and reported by audit_verify —
    # instead of failing the insert.
    chain_hash = models.CharField(
        "链哈希", max_length=64, blank=True, default="", db_default="", editable=False
    )
    row_mac = models.CharField(
        "行校验码", max_length=64, blank=True, default="", db_default="", editable=False
    )

    chain_name: ClassVar[str] = ""
    chain_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"{self._meta.verbose_name}只能追加，不能修改")
        from . import auditchain

        auditchain.append(self, lambda: super(ChainedLog, self).save(*args, **kwargs))


class AuditChainHead(models.Model):
    """The last position and hash of one chained log, locked by the sealer (never by an append)."""

    log = models.CharField("日志", max_length=20, primary_key=True)
    seq = models.BigIntegerField("最后序号", default=0)
    hash = models.CharField("最后哈希", max_length=64)

    class Meta:
        verbose_name = "审计日志链头"
        verbose_name_plural = "审计日志链头"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.log} #{self.seq}"


class AuditChainState(models.Model):
    """One chained log's anchor (the last purged row, with a MAC) and its last integrity check.

    Kept apart from ``AuditChainHead`` so that a purge or a check never waits for appends."""

    log = models.CharField("日志", max_length=20, primary_key=True)
    anchor_seq = models.BigIntegerField("锚点序号", default=0)
    anchor_hash = models.CharField("锚点哈希", max_length=64, default="0" * 64)
    anchor_mac = models.CharField("锚点校验码", max_length=64, blank=True)
    purged_before = models.DateTimeField("已清理至", null=True, blank=True)
    checked_at = models.DateTimeField("最近校验时间", null=True, blank=True)
    checked_ok = models.BooleanField("最近校验结果", null=True, blank=True)
    checked_rows = models.BigIntegerField("最近校验条数", default=0)
    check_report = models.TextField("最近校验发现的问题", blank=True)

    class Meta:
        verbose_name = "审计日志链状态"
        verbose_name_plural = "审计日志链状态"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.log} ⚓{self.anchor_seq}"


class ChangeLog(ChainedLog):
    """One create/update/delete of an audited object, with before/after snapshots (NetBox style)."""

    time = models.DateTimeField("时间", default=timezone_now, editable=False, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    user_name = models.CharField("操作人账号", max_length=150, blank=True)
    request_id = models.UUIDField("请求编号", null=True, blank=True, db_index=True)
    source = models.CharField("来源", max_length=20, blank=True)
    action = models.CharField("动作", max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(
        ContentType, models.PROTECT, related_name="+", verbose_name="对象类型"
    )
    object_id = models.CharField("对象ID", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    org = models.ForeignKey(
        "orgs.Organization",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属组织",
    )
    prechange_data = models.JSONField("变更前", null=True, blank=True)
    postchange_data = models.JSONField("变更后", null=True, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "org"
    scope_owner_field: ClassVar[str | None] = "user"
    scope_widen_all: ClassVar[bool] = False
    chain_name: ClassVar[str] = "change"
    chain_fields: ClassVar[tuple[str, ...]] = (
        "time",
        "user_name",
        "request_id",
        "source",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "prechange_data",
        "postchange_data",
        "message",
    )

    class Meta:
        verbose_name = "变更日志"
        verbose_name_plural = "变更日志"
        ordering = ["-time", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="changelog_object"),
            models.Index(fields=["org", "time"], name="changelog_org_time"),
            # The sealer's lookup: only the rows not sealed yet, whatever the table's size.
            models.Index(
                fields=["id"], condition=models.Q(chain_seq__isnull=True), name="changelog_unsealed"
            ),
        ]
        permissions = [("view_all_logs", "查看全部日志（审计管理员）")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:changelog_detail", args=[self.pk])

    def diff(self) -> list[tuple[str, Any, Any]]:
        """Fields whose values differ between the snapshots: ``[(field, before, after), ...]``."""
        before = self.prechange_data or {}
        after = self.postchange_data or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class OperationLog(ChainedLog):
    """A business operation (import, export, confirm, grant, ...) as RuoYi's 操作日志."""

    time = models.DateTimeField("时间", default=timezone_now, editable=False, db_index=True)
    module = models.CharField("模块", max_length=50)
    business_type = models.CharField("业务类型", max_length=20, choices=BusinessType.choices)
    action = models.CharField("操作", max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    user_name = models.CharField("操作人账号", max_length=150, blank=True)
    org = models.ForeignKey(
        "orgs.Organization",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属组织",
    )
    method = models.CharField("请求方法", max_length=10, blank=True)
    path = models.CharField("请求地址", max_length=500, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=500, blank=True)
    request_id = models.UUIDField("请求编号", null=True, blank=True, db_index=True)
    params = models.JSONField("参数", null=True, blank=True)
    status = models.CharField(
        "结果", max_length=10, choices=OperationStatus.choices, default=OperationStatus.SUCCESS
    )
    error = models.CharField("错误信息", max_length=2000, blank=True)
    cost_ms = models.PositiveIntegerField("耗时(毫秒)", null=True, blank=True)
    target_type = models.ForeignKey(
        ContentType,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="对象类型",
    )
    target_id = models.CharField("对象ID", max_length=64, blank=True)
    target_repr = models.CharField("对象", max_length=200, blank=True)
    extra = models.JSONField("附加信息", null=True, blank=True)

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "org"
    scope_owner_field: ClassVar[str | None] = "user"
    scope_widen_all: ClassVar[bool] = False
    chain_name: ClassVar[str] = "operation"
    chain_fields: ClassVar[tuple[str, ...]] = (
        "time",
        "module",
        "business_type",
        "action",
        "user_name",
        "method",
        "path",
        "ip",
        "user_agent",
        "request_id",
        "params",
        "status",
        "error",
        "cost_ms",
        "target_id",
        "target_repr",
        "extra",
    )

    class Meta:
        verbose_name = "操作日志"
        verbose_name_plural = "操作日志"
        ordering = ["-time", "-pk"]
        indexes = [
            models.Index(fields=["module", "business_type", "time"], name="oplog_module_type"),
            models.Index(fields=["org", "time"], name="oplog_org_time"),
            # The sealer's lookup: only the rows not sealed yet, whatever the table's size.
            models.Index(
                fields=["id"], condition=models.Q(chain_seq__isnull=True), name="oplog_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module} {self.action}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:operationlog_detail", args=[self.pk])


class Job(OrgOwnedModel):
    """A background job with progress, started by a user, run by the task worker."""

    kind = models.CharField("类型", max_length=50, db_index=True)
    title = models.CharField("名称", max_length=200)
    status = models.CharField(
        "状态", max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    params = models.JSONField("参数", default=dict, blank=True)
    total = models.PositiveIntegerField("总量", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    message = models.CharField("进度说明", max_length=500, blank=True)
    error = models.TextField("错误信息", blank=True)
    result = models.JSONField("结果", null=True, blank=True)
    cancel_requested = models.BooleanField("已请求取消", default=False)
    task_id = models.CharField("任务编号", max_length=64, blank=True)
    token = models.UUIDField("幂等键", default=uuid.uuid4, editable=False, unique=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    audited: ClassVar[bool] = False
    scope_widen_all: ClassVar[bool] = True

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]
        permissions = [("cancel_job", "取消后台任务")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:job_detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in JOB_FINISHED

    @property
    def is_stale(self) -> bool:
        """Running, but no sign of life (progress or the job's heartbeat, both in ``updated_at``)
        for ``JIANGQIAO_JOB_STALE_MINUTES``: the worker was killed (a killed job's transaction is
        rolled back; it can simply be run again). ``jobs.mark_stale_jobs`` marks it 已中断."""
        from datetime import timedelta

        from django.utils import timezone

        minutes = float(getattr(settings, "JIANGQIAO_JOB_STALE_MINUTES", 2))
        return self.status == JobStatus.RUNNING and (
            self.updated_at < timezone.now() - timedelta(minutes=minutes)
        )


class WorkerHeartbeat(models.Model):
    """A task worker's sign of life (``core.worker``), read by the jobs page.

    The worker of the database backend (``manage.py task_worker``, started by ``make run``)
    writes its row every ``JIANGQIAO_WORKER_HEARTBEAT_SECONDS``; a row older than three beats means
    the worker is not running. Not audited: bookkeeping, not business data.
    """

    worker_id = models.CharField("处理程序编号", max_length=64, unique=True)
    hostname = models.CharField("主机", max_length=255, blank=True)
    pid = models.PositiveIntegerField("进程号", default=0)
    started_at = models.DateTimeField("启动时间", default=timezone_now)
    beat_at = models.DateTimeField("最近心跳", default=timezone_now, db_index=True)
    job_id = models.BigIntegerField("当前任务", null=True, blank=True)
    tasks_done = models.PositiveIntegerField("已处理任务数", default=0)

    objects: ClassVar[models.Manager[WorkerHeartbeat]] = models.Manager()

    class Meta:
        verbose_name = "后台任务处理程序"
        verbose_name_plural = "后台任务处理程序"
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"


class ImportBatch(OrgOwnedModel):
    """One uploaded spreadsheet: its checks (preview), its commit and what became of every row.

    The uploaded file and the error workbook hold personal data, so both are stored encrypted
    (``core.crypto.encrypt_bytes``). ``result`` keeps the counts and the row messages; ``decisions``
    the field-by-field merge choices made on the preview page.
    """

    spec = models.CharField("导入类型", max_length=50, db_index=True)
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件SHA-256", max_length=64, db_index=True)
    file_size = models.PositiveIntegerField("文件大小(字节)", default=0)
    file_data = EncryptedFileField("文件（加密）", editable=False)
    source_label = models.CharField(
        "来源名单",
        max_length=100,
        blank=True,
        help_text="如：深圳市总工会2026年劳模工匠名单；记入每条数据的来源",
    )
    status = models.CharField(
        "状态", max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    mode = models.CharField(
        "提交方式", max_length=12, choices=ImportMode.choices, default=ImportMode.ALL
    )
    policy = models.CharField(
        "重复数据合并规则",
        max_length=12,
        choices=MergePolicy.choices,
        default=MergePolicy.FILL_BLANKS,
    )
    decisions = models.JSONField("逐项合并选择", default=dict, blank=True)
    result = models.JSONField("检查与导入结果", default=dict, blank=True)
    error_workbook = EncryptedFileField("错误数据表（加密）", null=True, blank=True, editable=False)
    job = models.ForeignKey(
        Job, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="后台任务"
    )
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)

    audited: ClassVar[bool] = False

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("export_list", "导出列表数据（Excel/CSV）"),
            ("approve_export", "审批大批量导出"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:import_detail", args=[self.pk])

    @property
    def counts(self) -> dict[str, int]:
        return dict((self.result or {}).get("counts") or {})


class RecordSource(models.Model):
    """Which source list (import batch, row) a record came from — 先建后扩 keeps them all."""

    content_type = models.ForeignKey(
        ContentType, models.CASCADE, related_name="+", verbose_name="对象类型"
    )
    object_id = models.CharField("对象ID", max_length=64)
    batch = models.ForeignKey(
        ImportBatch, models.CASCADE, related_name="sources", verbose_name="导入批次"
    )
    source_label = models.CharField("来源名单", max_length=100, blank=True)
    row = models.PositiveIntegerField("行号")
    outcome = models.CharField("结果", max_length=12, choices=RowOutcome.choices)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "数据来源"
        verbose_name_plural = "数据来源"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="recordsource_object")]

    def __str__(self) -> str:
        return f"{self.source_label or self.batch_id} 第{self.row}行"


class ImportAlias(StatusMixin, AuditedModel):
    """A header another city's sheet uses for one of our columns (e.g. 证件号码 → 身份证号)."""

    spec = models.CharField("导入类型", max_length=50)
    column = models.CharField("字段", max_length=50)
    alias = models.CharField("表头别名", max_length=50)

    objects = ScopedManager()
    # Global configuration: the functional permission is the whole check.
    scope_org_field: ClassVar[str | None] = None

    class Meta:
        verbose_name = "表头别名"
        verbose_name_plural = "表头别名"
        ordering = ["spec", "column", "alias"]
        constraints = [
            models.UniqueConstraint(
                fields=["spec", "alias"],
                name="core_importalias_unique",
                violation_error_message="该导入类型已有同名表头别名",
            )
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.column}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:importalias_list")

    def get_edit_url(self) -> str:
        from django.urls import reverse

        return reverse("core:importalias_edit", args=[self.pk])


class Notification(models.Model):
    """站内消息: what the platform tells one person (changes to the account, approvals, …).

    Only the recipient reads it. ``secret`` carries a one-time secret meant for the recipient
    alone (e.g. one half of a reset administrator password); it is stored encrypted and cleared
    once it is spent or expired.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    level = models.CharField(
        "类别", max_length=10, choices=NotificationLevel.choices, default=NotificationLevel.INFO
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=500, blank=True)
    actor_name = models.CharField("发起人", max_length=150, blank=True)
    secret = EncryptedTextField("一次性口令", blank=True, editable=False)
    secret_expires_at = models.DateTimeField("口令失效时间", null=True, blank=True)
    secret_key = models.CharField("口令用途", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        # Every person reads his own messages; nothing here is granted through a role.
        default_permissions = ()
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:notification_detail", args=[self.pk])

    @property
    def secret_available(self) -> bool:
        from django.utils import timezone

        return bool(self.secret) and (
            self.secret_expires_at is None or self.secret_expires_at > timezone.now()
        )


class ApprovalRequest(models.Model):
    """An action that one person may not take alone (双人复核): requested by one, decided by another
    who holds the approving permission of its kind (see ``core.approvals``)."""

    kind = models.CharField("类型", max_length=50, db_index=True)
    title = models.CharField("事项", max_length=200)
    reason = models.CharField("申请理由", max_length=500, blank=True)
    payload = models.JSONField("内容", default=dict, blank=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.PENDING,
        db_index=True,
    )
    org = models.ForeignKey(
        "orgs.Organization",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所涉组织",
    )
    target_type = models.ForeignKey(
        ContentType,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="对象类型",
    )
    target_id = models.CharField("对象ID", max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name="申请人",
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)
    result = models.JSONField("执行结果", null=True, blank=True)

    class Meta:
        verbose_name = "审批事项"
        verbose_name_plural = "审批事项"
        # Who files and who decides is decided per kind (``core.approvals``), not by a grant.
        default_permissions = ()
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["kind", "status"], name="approval_kind_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:approval_detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING


class CalendarDay(AuditedModel):
    """An override of the working-day calendar (``core.workdays``) for one date.

    The built-in calendar (the ``chinesecalendar`` package) knows the 国务院办公厅 holidays and
    调休 working weekends up to the year it ships; a row here wins over it for its date, so the
    system administrator enters next year's schedule (or a local change) without a release.
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班", help_text="勾选为上班（含调休上班），不勾选为放假")
    name = models.CharField("名称", max_length=50, help_text="如：国庆节、春节、调休上班")
    note = models.CharField(
        "备注", max_length=200, blank=True, help_text="如：国办发明电〔2026〕X号"
    )
    source = models.CharField(
        "来源",
        max_length=10,
        choices=CalendarSource.choices,
        default=CalendarSource.MANUAL,
        editable=False,
    )

    objects = ScopedManager()
    # Global configuration: the functional permission is the whole check.
    scope_org_field: ClassVar[str | None] = None

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name} {'班' if self.is_workday else '休'}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return f"{reverse('core:calendarday_list')}?year={self.date.year}"


class NotificationPreference(models.Model):
    """Which channels a person wants besides the inbox, and the addresses they need.

    The mobile number and WeChat id are collected only when the person turns that channel on
    (PIPL: only what the feature needs); the mobile is encrypted at rest.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notification_preference",
        verbose_name="用户",
    )
    by_email = models.BooleanField("同时发送电子邮件", default=False)
    by_sms = models.BooleanField("同时发送短信", default=False)
    by_wechat = models.BooleanField("同时发送微信消息", default=False)
    mobile = EncryptedTextField("接收短信的手机号", blank=True)
    wechat_openid = models.CharField("微信 OpenID", max_length=64, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "消息接收设置"
        verbose_name_plural = "消息接收设置"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user}的消息设置"


class NotificationDelivery(models.Model):
    """One attempt to deliver a notification through a channel besides the inbox."""

    notification = models.ForeignKey(
        Notification, models.CASCADE, related_name="deliveries", verbose_name="消息"
    )
    channel = models.CharField("渠道", max_length=10)
    ok = models.BooleanField("成功", default=False)
    detail = models.CharField("说明", max_length=200, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "消息发送记录"
        verbose_name_plural = "消息发送记录"
        default_permissions = ()
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.channel}:{'成功' if self.ok else '失败'}"


class TablePreference(models.Model):
    """The columns a person chose for one list table (列设置), in their order (NetBox's table config).

    ``table`` is the table's key (``"demands.DemandTable"``); names that the table no longer has are
    ignored when the table is built, so a renamed column never breaks a page.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="table_preferences",
        verbose_name="用户",
    )
    table = models.CharField("列表", max_length=100)
    columns = models.JSONField("显示的列", default=list)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "列表列设置"
        verbose_name_plural = "列表列设置"
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["user", "table"],
                name="core_tablepreference_unique",
                violation_error_message="同一列表只能有一份列设置",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}的{self.table}列设置"


class FormSubmission(models.Model):
    """One use of a page form's one-time token (``core.submissions``), keyed per user.

    The row is taken before the form's action runs and carries, once it succeeded, the URL of
    what was created: a repeat of the same POST (a double click, a reload, back and resubmit)
    redirects there instead of creating again. A failed action deletes its row, so the token
    can be used again. Rows older than ``submissions.TOKEN_TTL`` are purged.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name="提交人"
    )
    key = models.CharField("令牌", max_length=64)
    url = models.CharField("结果地址", max_length=500, blank=True)
    created_at = models.DateTimeField("时间", default=timezone_now, db_index=True)

    class Meta:
        verbose_name = "表单提交记录"
        verbose_name_plural = "表单提交记录"
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_form_submission_unique")
        ]

    def __str__(self) -> str:
        return self.key
