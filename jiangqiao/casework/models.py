"""服务办理 (casework): offers to craftsmen, contact attempts, outcomes, the enterprise's word, follow-ups.

* ``Offer`` asks one craftsman (or a service team, answered by its lead) to serve a demand, with
  an accept deadline counted in working days; accepted, it is the service itself (服务中) until
  the demand's outcome ends it. Declined or expired, the next suggestion is offered.
* ``ContactAttempt`` is one logged attempt of the craftsman to reach the enterprise (first contact
  is due within a number of working days of acceptance).
* ``Outcome`` is the demand's result as recorded by staff or the craftsman, and the enterprise's
  confirmation, rating (1–5) and own view of whether the problem is solved.
* ``FollowUp`` asks the enterprise, 90 and 180 days after confirmation, whether the fix held.

All rows are scoped through the demand's organisation; the craftsman (仅本人) sees his own offers.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from jiangqiao.core.models import AuditedModel
from jiangqiao.core.scope import ScopedManager
from jiangqiao.core.textfields import NormalizedCharField, NormalizedTextField

from .choices import (
    OPEN_OFFER_STATUSES,
    ContactChannel,
    DeclineReason,
    FollowUpKind,
    OfferSource,
    OfferStatus,
    OutcomeResult,
)


class DemandScoped(AuditedModel):
    """Rows of a demand's case: scope through the demand's owning unit."""

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "demand__org"
    scope_owner_field: ClassVar[str | None] = "created_by"

    class Meta:
        abstract = True

    def audit_org_id(self) -> int | None:
        from jiangqiao.demands.models import Demand

        return (
            Demand.objects.filter(pk=self.demand_id)  # type: ignore[attr-defined]
            .values_list("org_id", flat=True)
            .first()
        )


class Offer(DemandScoped):
    demand = models.ForeignKey(
        "demands.Demand", models.PROTECT, related_name="offers", verbose_name="需求"
    )
    craftsman = models.ForeignKey(
        "talents.Craftsman",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name="劳模工匠",
    )
    team = models.ForeignKey(
        "talents.ServiceTeam",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name="服务队",
    )
    suggestion = models.ForeignKey(
        "matching.MatchSuggestion",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name="匹配建议",
    )
    source = models.CharField("来源", max_length=12, choices=OfferSource.choices)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=OfferStatus.choices,
        default=OfferStatus.PENDING,
        db_index=True,
    )
    offered_at = models.DateTimeField("邀请时间")
    accept_deadline = models.DateTimeField("答复期限", db_index=True)
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="答复人",
    )
    decline_reason = models.CharField(
        "婉拒原因", max_length=12, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.CharField("婉拒说明", max_length=500, blank=True)
    contact_deadline = models.DateTimeField("首次联系期限", null=True, blank=True)
    first_contact_at = models.DateTimeField("首次联系企业时间", null=True, blank=True)
    reminded_at = models.DateTimeField("最近催办时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)

    scope_owner_field: ClassVar[str | None] = "craftsman__user|team__lead__user|created_by"

    class Meta:
        verbose_name = "服务邀请"
        verbose_name_plural = "服务邀请"
        ordering = ["-offered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(craftsman__isnull=False, team__isnull=True)
                | Q(craftsman__isnull=True, team__isnull=False),
                name="casework_offer_craftsman_or_team",
                violation_error_message="服务邀请须指定一位劳模工匠或一支服务队",
            ),
            models.UniqueConstraint(
                fields=["demand", "craftsman"],
                condition=Q(status__in=list(OPEN_OFFER_STATUSES)),
                name="casework_offer_one_open_per_craftsman",
                violation_error_message="该劳模工匠已有本需求的未结束邀请",
            ),
            models.UniqueConstraint(
                fields=["demand", "team"],
                condition=Q(status__in=list(OPEN_OFFER_STATUSES)),
                name="casework_offer_one_open_per_team",
                violation_error_message="该服务队已有本需求的未结束邀请",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "accept_deadline"], name="casework_offer_due"),
            models.Index(fields=["craftsman", "status"], name="casework_offer_craftsman"),
            models.Index(fields=["demand", "status"], name="casework_offer_demand"),
        ]
        permissions = [
            ("respond_offer", "答复服务邀请（接受或婉拒）"),
            ("assign_offer", "指派或撤回服务邀请"),
        ]

    def __str__(self) -> str:
        who = self.craftsman or self.team
        return f"邀请 {who}（{self.get_status_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("casework:offer_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_OFFER_STATUSES


class ContactAttempt(DemandScoped):
    demand = models.ForeignKey(
        "demands.Demand", models.PROTECT, related_name="contact_attempts", verbose_name="需求"
    )
    offer = models.ForeignKey(
        Offer, models.PROTECT, related_name="contact_attempts", verbose_name="服务邀请"
    )
    at = models.DateTimeField("联系时间")
    channel = models.CharField("联系方式", max_length=10, choices=ContactChannel.choices)
    reached = models.BooleanField("已联系上", default=False)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "联系记录"
        verbose_name_plural = "联系记录"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}联系（{'已联系上' if self.reached else '未联系上'}）"


class Outcome(DemandScoped):
    demand = models.OneToOneField(
        "demands.Demand", models.PROTECT, related_name="outcome_record", verbose_name="需求"
    )
    result = models.CharField("办理结果", max_length=10, choices=OutcomeResult.choices)
    summary = NormalizedTextField("结果说明", max_length=2000)
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )
    confirmed_at = models.DateTimeField("企业确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="企业确认人",
    )
    enterprise_answer = models.CharField(
        "企业认为", max_length=10, choices=OutcomeResult.choices, blank=True
    )
    rating = models.PositiveSmallIntegerField(
        "企业评分",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    enterprise_comment = models.CharField("企业评价", max_length=1000, blank=True)
    reopened_count = models.PositiveSmallIntegerField("重新办理次数", default=0)

    class Meta:
        verbose_name = "办理结果"
        verbose_name_plural = "办理结果"
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="casework_outcome_rating_range",
                violation_error_message="评分应为 1–5 分",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_result_display()}"

    @property
    def verified_solved(self) -> bool:
        """Counted as a problem solved: recorded solved and confirmed solved by the enterprise."""
        return (
            self.result == OutcomeResult.SOLVED
            and self.confirmed_at is not None
            and self.enterprise_answer == OutcomeResult.SOLVED
        )


class FollowUp(DemandScoped):
    demand = models.ForeignKey(
        "demands.Demand", models.PROTECT, related_name="follow_ups", verbose_name="需求"
    )
    kind = models.CharField("回访", max_length=6, choices=FollowUpKind.choices)
    due_on = models.DateField("回访日期", db_index=True)
    notified_at = models.DateTimeField("提醒时间", null=True, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    held = models.BooleanField("问题未复发", null=True, blank=True)
    comment = models.CharField("企业说明", max_length=1000, blank=True)

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["demand", "kind"], name="casework_followup_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.due_on:%Y-%m-%d}）"


class AgreementStatus(models.TextChoices):
    ACTIVE = "active", "生效中"
    ENDED = "ended", "已终止"


class Agreement(AuditedModel):
    """结对/长期协议: a craftsman or a team serves an enterprise over a period, reviewed regularly.

    Owned by the enterprise's union unit (``org``); often grows out of a one-off service
    (``demand``), which is what the one-off → long-term conversion figure counts.
    """

    org = models.ForeignKey(
        "orgs.Organization", models.PROTECT, related_name="+", verbose_name="负责工会"
    )
    enterprise = models.ForeignKey(
        "demands.Enterprise", models.PROTECT, related_name="agreements", verbose_name="企业"
    )
    craftsman = models.ForeignKey(
        "talents.Craftsman",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name="劳模工匠",
    )
    team = models.ForeignKey(
        "talents.ServiceTeam",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name="服务队",
    )
    demand = models.ForeignKey(
        "demands.Demand",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name="源自需求",
    )
    title = NormalizedCharField("协议名称", max_length=100)
    scope_text = NormalizedTextField("服务内容", max_length=2000)
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期")
    review_months = models.PositiveSmallIntegerField(
        "回顾周期（月）", default=3, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    next_review_on = models.DateField("下次回顾日期", db_index=True)
    last_review_note = models.CharField("最近回顾意见", max_length=1000, blank=True)
    reminded_on = models.DateField("最近提醒日期", null=True, blank=True, editable=False)
    status = models.CharField(
        "状态", max_length=8, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    ended_reason = models.CharField("终止原因", max_length=500, blank=True)

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "org"
    scope_owner_field: ClassVar[str | None] = (
        "craftsman__user|team__lead__user|enterprise__contacts__user|created_by"
    )
    scope_to_many: ClassVar[bool] = True

    class Meta:
        verbose_name = "结对协议"
        verbose_name_plural = "结对协议"
        ordering = ["-start_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(craftsman__isnull=False, team__isnull=True)
                | Q(craftsman__isnull=True, team__isnull=False),
                name="casework_agreement_craftsman_or_team",
                violation_error_message="结对协议须指定一位劳模工匠或一支服务队",
            ),
            models.CheckConstraint(
                condition=Q(end_on__gte=models.F("start_on")),
                name="casework_agreement_period",
                violation_error_message="结束日期不能早于开始日期",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("casework:agreement_detail", args=[self.pk])


# Service sessions live in their own module (moved from ``matching``, issue 13 point 6).
# --- Publication and claims (issue 13 point 5) live in their own module; imported here so Django
# registers them with the app. ---
from .models_claims import Claim, Publication, QualityReview  # noqa: E402, F401
from .session_models import ServiceRecord, SessionEvidence, SkillUpgrade  # noqa: E402, F401
