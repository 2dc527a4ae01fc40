"""Collection campaigns (征集活动) — issue 18 point 2.

A unit's staff open a campaign: a title, an announcement, the demand categories it collects
(level-1 codes of ``demand_category``), an optional region and industry focus, a period
(``starts_on`` … ``deadline``, both inclusive, Asia/Shanghai) and a target count. Once published it
answers at a public link carrying ``token`` (unguessable, never shown in the change log); enterprises
reach the phone form through it and each demand records its campaign (``Demand.campaign``).

Scoped like every unit-owned row: staff see the campaigns of their unit and below. Imported at the
end of ``demands.models`` so Django registers it with the app.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jiangqiao.core.models import OrgOwnedModel
from jiangqiao.core.textfields import NormalizedCharField, NormalizedTextField

from .choices_campaigns import CampaignStatus

ANNOUNCEMENT_LIMIT = 3000
PREPARATION_LIMIT = 1000
TARGET_MAX = 100_000


class Campaign(OrgOwnedModel):
    title = NormalizedCharField("活动名称", max_length=100)
    announcement = NormalizedTextField(
        "征集公告",
        max_length=ANNOUNCEMENT_LIMIT,
        validators=[MaxLengthValidator(ANNOUNCEMENT_LIMIT)],
        help_text="向企业说明征集的目的、范围和服务方式",
    )
    preparation = NormalizedTextField(
        "填报须知",
        blank=True,
        max_length=PREPARATION_LIMIT,
        validators=[MaxLengthValidator(PREPARATION_LIMIT)],
        help_text="企业提交前需要准备的情况或材料（选填，不填则显示通用说明）",
    )
    categories = models.JSONField("征集类别", default=list, blank=True)
    region_codes = models.JSONField("重点地区", default=list, blank=True)
    industry_codes = models.JSONField("重点行业", default=list, blank=True)
    starts_on = models.DateField("开始日期")
    deadline = models.DateField("截止日期", help_text="含当日")
    target_count = models.PositiveIntegerField(
        "目标征集数",
        validators=[
            MinValueValidator(1, "目标征集数：应为大于 0 的整数"),
            MaxValueValidator(TARGET_MAX, f"目标征集数：不能超过 {TARGET_MAX}"),
        ],
    )
    status = models.CharField(
        "状态",
        max_length=10,
        choices=CampaignStatus.choices,
        default=CampaignStatus.DRAFT,
        db_index=True,
    )
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True, editable=False)
    token = models.CharField("链接令牌", max_length=32, unique=True, editable=False)

    audit_exclude: ClassVar[tuple[str, ...]] = ("token",)

    class Meta:
        verbose_name = "征集活动"
        verbose_name_plural = "征集活动"
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["org", "status"], name="campaign_org_status"),
            models.Index(fields=["status", "deadline"], name="campaign_status_deadline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("starts_on")),
                name="campaign_deadline_after_start",
                violation_error_message="截止日期：不能早于开始日期",
            ),
            models.CheckConstraint(
                condition=Q(target_count__gt=0),
                name="campaign_target_positive",
                violation_error_message="目标征集数：应为大于 0 的整数",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("demands:campaign_detail", args=[self.pk])

    def public_path(self) -> str:
        return reverse("demands:campaign_public", args=[self.token])

    def deadline_end(self) -> dt.datetime:
        """The first moment after the deadline (the next day's midnight, Asia/Shanghai)."""
        day = self.deadline + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def public_state(self, today: dt.date | None = None) -> str:
        """What the public link does today: ``open``, ``not_started``, ``ended``, ``closed`` or
        ``draft`` (a draft answers like a wrong link)."""
        today = today or timezone.localdate()
        if self.status == CampaignStatus.DRAFT:
            return "draft"
        if self.status == CampaignStatus.CLOSED:
            return "closed"
        if self.status == CampaignStatus.ENDED or today > self.deadline:
            return "ended"
        if today < self.starts_on:
            return "not_started"
        return "open"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_on and self.deadline and self.deadline < self.starts_on:
            errors["deadline"] = "截止日期：不能早于开始日期"
        if self.target_count is not None and self.target_count <= 0:
            errors["target_count"] = "目标征集数：应为大于 0 的整数"
        if not isinstance(self.categories, list) or not self.categories:
            errors["categories"] = "征集类别：请至少选择一项"
        if errors:
            raise ValidationError(errors)
