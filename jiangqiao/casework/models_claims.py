"""Publication to the claim list (认领清单) and claims (认领) — issue 13 point 5.

* ``Publication`` is one stay of a demand on the claim list: who published it, when, until when
  (``expires_on``, inclusive, Asia/Shanghai), the quality score it passed with and why it left.
  At most one is open per demand; the demand is listed while it is 已发布 and its publication open.
* ``Claim`` is a craftsman's (or a team lead's, for the team) request to serve a published demand.
  Staff of the owning unit approve it (it becomes an offer, source 工匠认领) or refuse it with a
  reason. One pending claim per demand and craftsman (or team).

Both are scoped through the demand's organisation; the claimant (仅本人) sees his own claims.
Imported at the end of ``casework.models`` so Django registers them with the app.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from .choices_claims import ClaimStatus, PublicationEnd, QualityPurpose
from .models import DemandScoped


def _sub_score(label: str) -> models.PositiveSmallIntegerField:  # type: ignore[type-arg]
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=[MaxValueValidator(5)], help_text="0–5 分"
    )


class Publication(DemandScoped):
    demand = models.ForeignKey(
        "demands.Demand", models.PROTECT, related_name="publications", verbose_name="需求"
    )
    published_at = models.DateTimeField("发布时间")
    expires_on = models.DateField("截止日期", db_index=True, help_text="含当日")
    quality_score = models.PositiveSmallIntegerField(
        "质量评分",
        default=0,
        validators=[MaxValueValidator(20)],
        help_text="四项合计 0–20 分（2026-12 以前的发布为旧的 0–5 分）",
    )
    clarity_score = _sub_score("问题清晰度")
    completeness_score = _sub_score("信息完整度")
    verification_score = _sub_score("企业核验")
    feasibility_score = _sub_score("可行性")
    renewals = models.PositiveSmallIntegerField("续期次数", default=0)
    expiry_notified_on = models.DateField(
        "到期提醒日期", null=True, blank=True, help_text="已提醒工作人员即将到期的日期"
    )
    ended_at = models.DateTimeField("撤下时间", null=True, blank=True)
    end_reason = models.CharField(
        "撤下原因", max_length=12, choices=PublicationEnd.choices, blank=True
    )
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "认领清单发布"
        verbose_name_plural = "认领清单发布"
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand"],
                condition=Q(ended_at__isnull=True),
                name="casework_publication_one_open",
                violation_error_message="该需求已在认领清单中",
            ),
        ]
        permissions = [("publish_demand", "发布需求到认领清单（或撤下）")]

    def __str__(self) -> str:
        return f"发布至 {self.expires_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class Claim(DemandScoped):
    demand = models.ForeignKey(
        "demands.Demand", models.PROTECT, related_name="claims", verbose_name="需求"
    )
    craftsman = models.ForeignKey(
        "talents.Craftsman",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name="劳模工匠",
    )
    team = models.ForeignKey(
        "talents.ServiceTeam",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name="服务队",
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name="认领人",
    )
    note = models.CharField("认领说明", max_length=500)
    status = models.CharField(
        "状态",
        max_length=10,
        choices=ClaimStatus.choices,
        default=ClaimStatus.PENDING,
        db_index=True,
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    decision_note = models.CharField("审核意见", max_length=500, blank=True)
    offer = models.ForeignKey(
        "casework.Offer",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name="服务邀请",
    )

    scope_owner_field: ClassVar[str | None] = "claimant|created_by"

    class Meta:
        verbose_name = "认领"
        verbose_name_plural = "认领"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(craftsman__isnull=False, team__isnull=True)
                | Q(craftsman__isnull=True, team__isnull=False),
                name="casework_claim_craftsman_or_team",
                violation_error_message="认领须以一位劳模工匠或一支服务队的名义提出",
            ),
            models.UniqueConstraint(
                fields=["demand", "craftsman"],
                condition=Q(status=ClaimStatus.PENDING),
                name="casework_claim_one_pending_per_craftsman",
                violation_error_message="您已认领该需求，正在等待审核",
            ),
            models.UniqueConstraint(
                fields=["demand", "team"],
                condition=Q(status=ClaimStatus.PENDING),
                name="casework_claim_one_pending_per_team",
                violation_error_message="该服务队已认领该需求，正在等待审核",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="casework_claim_queue")]
        permissions = [("decide_claim", "审核认领（通过或不通过）")]

    def __str__(self) -> str:
        return f"认领：{self.craftsman or self.team}（{self.get_status_display()}）"


class QualityReview(DemandScoped):
    """One scoring of a demand's publication quality (发布质量评分): at publication, renewal,
    return to the enterprise and resubmission — the score history, with what to add."""

    demand = models.ForeignKey(
        "demands.Demand", models.PROTECT, related_name="quality_reviews", verbose_name="需求"
    )
    purpose = models.CharField("评分环节", max_length=10, choices=QualityPurpose.choices)
    clarity_score = models.PositiveSmallIntegerField("问题清晰度", default=0)
    completeness_score = models.PositiveSmallIntegerField("信息完整度", default=0)
    verification_score = models.PositiveSmallIntegerField("企业核验", default=0)
    feasibility_score = models.PositiveSmallIntegerField("可行性", default=0)
    total = models.PositiveSmallIntegerField(
        "合计", default=0, validators=[MaxValueValidator(20)], help_text="0–20 分"
    )
    passed = models.BooleanField("达到发布要求", default=False)
    to_add = models.JSONField("需补充的内容", default=list, blank=True)
    comment = models.CharField("工作人员说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "发布质量评分"
        verbose_name_plural = "发布质量评分"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["demand", "-created_at"], name="casework_quality_demand")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}：{self.total}/20"

    @property
    def scores(self) -> list[tuple[str, int]]:
        return [
            ("问题清晰度", self.clarity_score),
            ("信息完整度", self.completeness_score),
            ("企业核验", self.verification_score),
            ("可行性", self.feasibility_score),
        ]
