"""Data-subject requests (个人信息权利申请, PIPL art. 44–47)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from jiangqiao.core.crypto import EncryptedFileField
from jiangqiao.core.models import OrgOwnedModel

from .choices import OPEN_STATUSES, RequestKind, RequestStatus, SubjectKind


class DataSubjectRequest(OrgOwnedModel):
    """One request of a person about his own data. ``org`` is the unit that keeps his data (the
    craftsman's unit, or the unit of the contact's enterprise): its staff answer it, within
    their data scope. The access copy is stored encrypted and deleted after ``EXPORT_KEEP_DAYS``."""

    kind = models.CharField("申请类型", max_length=12, choices=RequestKind.choices)
    subject_kind = models.CharField("申请人身份", max_length=12, choices=SubjectKind.choices)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="申请人账号",
    )
    requester_name = models.CharField("申请人", max_length=50)
    craftsman = models.ForeignKey(
        "talents.Craftsman",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="劳模工匠档案",
    )
    contact = models.ForeignKey(
        "demands.EnterpriseContact",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="企业联系人",
    )
    details = models.TextField("申请说明", max_length=1000, blank=True)
    corrections = models.JSONField("更正内容", default=dict, blank=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=RequestStatus.choices,
        default=RequestStatus.SUBMITTED,
        db_index=True,
    )
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    due_date = models.DateField("答复期限", db_index=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="经办人",
    )
    handled_at = models.DateTimeField("办结时间", null=True, blank=True)
    answer = models.CharField("处理结果/拒绝理由", max_length=500, blank=True)
    export_data = EncryptedFileField("副本（加密）", null=True, blank=True, editable=False)
    export_name = models.CharField("副本文件名", max_length=100, blank=True)
    exported_at = models.DateTimeField("副本生成时间", null=True, blank=True)
    downloads = models.PositiveSmallIntegerField("下载次数", default=0)

    audit_exclude: ClassVar[tuple[str, ...]] = ("export_data", "corrections")

    class Meta:
        verbose_name = "个人信息权利申请"
        verbose_name_plural = "个人信息权利申请"
        ordering = ["due_date", "-pk"]
        permissions = [("handle_datasubjectrequest", "处理个人信息权利申请")]
        indexes = [models.Index(fields=["org", "status", "due_date"], name="privacy_dsr_queue")]

    def __str__(self) -> str:
        day = timezone.localtime(self.submitted_at)
        return f"{self.get_kind_display()}申请（{self.requester_name}，{day:%Y-%m-%d}）"

    def get_absolute_url(self) -> str:
        return reverse("privacy:request_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()

    @property
    def has_export(self) -> bool:
        return bool(self.export_data)
