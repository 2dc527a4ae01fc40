"""Abstract base models and the platform's infrastructure tables (audit logs, jobs)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .choices import (
    BusinessType,
    ChangeAction,
    JobStatus,
    OperationStatus,
    Status,
)
from .scope import ScopedManager


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


class ChangeLog(models.Model):
    """One create/update/delete of an audited object, with before/after snapshots (NetBox style)."""

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
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

    class Meta:
        verbose_name = "变更日志"
        verbose_name_plural = "变更日志"
        ordering = ["-time", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="changelog_object"),
            models.Index(fields=["org", "time"], name="changelog_org_time"),
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


class OperationLog(models.Model):
    """A business operation (import, export, confirm, grant, ...) as RuoYi's 操作日志."""

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
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

    class Meta:
        verbose_name = "操作日志"
        verbose_name_plural = "操作日志"
        ordering = ["-time", "-pk"]
        indexes = [
            models.Index(fields=["module", "business_type", "time"], name="oplog_module_type"),
            models.Index(fields=["org", "time"], name="oplog_org_time"),
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
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
