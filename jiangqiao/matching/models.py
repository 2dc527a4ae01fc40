"""供需匹配: stored embeddings, suggestions (推荐/平台匹配/人工), batch runs and declared conflicts.

* ``CraftsmanEmbedding`` / ``DemandEmbedding`` hold the sentence vectors so that any process can
  build its index without encoding again. A craftsman's vectors are one float32 row of 512 per
  evidence item (expertise, bio, skills, each active service item), with the hash of each item's
  text: an edit re-encodes only the items whose text changed.
* ``MatchSuggestion`` is one (demand, craftsman) pair proposed by the platform or by a person, with
  its score, its explanation (``why``) and the fusion-weight version that produced it. A person
  confirms or rejects it; nothing is ever offered to a craftsman without that decision.
  Suggestions are scoped through the demand's organisation (``demand__org``).
* ``MatchRun`` is one 平台匹配 batch over the open demands of an organisation subtree.
* ``DeclaredConflict`` records that a craftsman must not serve an enterprise (回避).

Service sessions (服务记录) moved to ``casework`` (``casework.session_models.ServiceRecord``); a
confirmed match keeps them as ``match.service_records``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from django.conf import settings
from django.db import models
from django.urls import reverse

from jiangqiao.core.models import AuditedModel, OrgOwnedModel, StatusMixin
from jiangqiao.core.scope import ScopedManager

from .choices import RunStatus, SuggestionSource, SuggestionStatus

DIM = 512


def vectors_to_bytes(vectors: np.ndarray) -> bytes:
    return np.ascontiguousarray(vectors, dtype="<f4").tobytes()


def bytes_to_vectors(data: bytes | memoryview | None, rows: int) -> np.ndarray:
    if not data or rows <= 0:
        return np.zeros((0, DIM), dtype=np.float32)
    array = np.frombuffer(bytes(data), dtype="<f4")
    if array.size != rows * DIM:
        return np.zeros((0, DIM), dtype=np.float32)
    return array.reshape(rows, DIM).astype(np.float32)


class CraftsmanEmbedding(models.Model):
    """The evidence-item vectors of one craftsman (rows in the order of ``item_hashes``)."""

    craftsman = models.OneToOneField(
        "talents.Craftsman", models.CASCADE, related_name="embedding", verbose_name="劳模工匠"
    )
    model = models.CharField("向量模型", max_length=100)
    item_hashes = models.JSONField("条目文本摘要", default=list)
    vectors = models.BinaryField("向量（float32 n×512）")
    encode_ms = models.PositiveIntegerField("编码耗时(毫秒)", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "劳模工匠向量"
        verbose_name_plural = "劳模工匠向量"

    def __str__(self) -> str:
        return f"{self.craftsman_id}（{len(self.item_hashes)} 条）"

    def as_array(self) -> np.ndarray:
        return bytes_to_vectors(self.vectors, len(self.item_hashes))


class DemandEmbedding(models.Model):
    """The vector of a demand's text, computed once when the demand is saved or changed."""

    demand = models.OneToOneField(
        "demands.Demand", models.CASCADE, related_name="embedding", verbose_name="需求"
    )
    model = models.CharField("向量模型", max_length=100)
    text_hash = models.CharField("文本摘要", max_length=64)
    vector = models.BinaryField("向量（float32 512）")
    encode_ms = models.PositiveIntegerField("编码耗时(毫秒)", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "需求向量"
        verbose_name_plural = "需求向量"

    def __str__(self) -> str:
        return f"{self.demand_id}"

    def as_array(self) -> np.ndarray | None:
        rows = bytes_to_vectors(self.vector, 1)
        return rows[0] if len(rows) else None


class MatchRun(OrgOwnedModel):
    """One 平台匹配 batch: every open demand of ``org``'s subtree, run as a background job."""

    job = models.OneToOneField(
        "core.Job",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="match_run",
        verbose_name="后台任务",
    )
    status = models.CharField(
        "状态", max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    fusion_version = models.CharField("融合权重版本", max_length=32, blank=True)
    top_k = models.PositiveSmallIntegerField("每个需求的候选人数", default=10)
    demand_count = models.PositiveIntegerField("需求数", default=0)
    staffed_count = models.PositiveIntegerField("已配置需求数", default=0)
    suggestion_count = models.PositiveIntegerField("建议匹配数", default=0)
    result = models.JSONField("结果说明", null=True, blank=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    audit_exclude: ClassVar[tuple[str, ...]] = ("result",)

    class Meta:
        verbose_name = "平台匹配"
        verbose_name_plural = "平台匹配"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"平台匹配 #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("matching:matchrun_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class MatchSuggestion(AuditedModel):
    """A proposed (demand, craftsman) pair with its explanation; a person decides on it."""

    demand = models.ForeignKey(
        "demands.Demand", models.CASCADE, related_name="match_suggestions", verbose_name="需求"
    )
    craftsman = models.ForeignKey(
        "talents.Craftsman",
        models.CASCADE,
        related_name="match_suggestions",
        verbose_name="劳模工匠",
    )
    run = models.ForeignKey(
        MatchRun,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name="平台匹配批次",
    )
    source = models.CharField("来源", max_length=12, choices=SuggestionSource.choices)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.PROPOSED,
        db_index=True,
    )
    rank = models.PositiveSmallIntegerField("名次", default=0)
    score = models.FloatField("匹配分", default=0.0)
    why = models.JSONField("推荐理由", default=dict, blank=True)
    fusion_version = models.CharField("融合权重版本", max_length=32, blank=True)
    encoder = models.CharField("向量模型", max_length=100, blank=True)
    suggested_at = models.DateTimeField("推荐时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.CharField("理由", max_length=500, blank=True)

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "demand__org"
    scope_owner_field: ClassVar[str | None] = "created_by"
    audit_exclude: ClassVar[tuple[str, ...]] = ("why",)

    class Meta:
        verbose_name = "匹配建议"
        verbose_name_plural = "匹配建议"
        ordering = ["demand", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "craftsman"],
                name="matching_suggestion_unique_pair",
                violation_error_message="该劳模工匠已在本需求的匹配建议中",
            )
        ]
        indexes = [
            models.Index(fields=["craftsman", "status"], name="matching_sugg_craftsman"),
            models.Index(fields=["updated_at"], name="matching_sugg_updated"),
        ]
        permissions = [
            ("decide_matchsuggestion", "确认或拒绝匹配建议"),
            ("view_matchlist", "清单匹配"),
            ("export_matchlist", "导出清单匹配结果"),
        ]

    def __str__(self) -> str:
        # Names, not keys: this is what the change log shows for the suggestion.
        return f"{self.demand.title} → {self.craftsman.name}"

    def get_absolute_url(self) -> str:
        return reverse("demands:demand_detail", args=[self.demand_id]) + "#match-suggestions"

    def audit_org_id(self) -> int | None:
        from jiangqiao.demands.models import Demand

        return Demand.objects.filter(pk=self.demand_id).values_list("org_id", flat=True).first()

    @property
    def summary(self) -> list[str]:
        lines = (self.why or {}).get("summary") or []
        return [str(line) for line in lines]

    @property
    def relevance(self) -> int:
        """The 0–100 relevance shown to people (``engine.fusion.relevance`` of ``score``)."""
        from .engine.fusion import relevance

        return relevance(self.score)


class DeclaredConflict(StatusMixin, AuditedModel):
    """A declared conflict of interest (回避): the craftsman is never matched to the enterprise."""

    craftsman = models.ForeignKey(
        "talents.Craftsman",
        models.CASCADE,
        related_name="declared_conflicts",
        verbose_name="劳模工匠",
    )
    enterprise = models.ForeignKey(
        "demands.Enterprise",
        models.CASCADE,
        related_name="declared_conflicts",
        verbose_name="企业",
    )
    reason = models.CharField("回避原因", max_length=500)

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "craftsman__org"
    scope_owner_field: ClassVar[str | None] = "created_by"

    class Meta:
        verbose_name = "利益冲突申报"
        verbose_name_plural = "利益冲突申报"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["craftsman", "enterprise"],
                name="matching_conflict_unique_pair",
                violation_error_message="该劳模工匠与该企业的回避申报已存在",
            )
        ]

    def __str__(self) -> str:
        return f"{self.craftsman} 回避 {self.enterprise}"

    def get_absolute_url(self) -> str:
        return reverse("matching:declaredconflict_detail", args=[self.pk])

    def audit_org_id(self) -> int | None:
        from jiangqiao.talents.models import Craftsman

        return (
            Craftsman.objects.filter(pk=self.craftsman_id).values_list("org_id", flat=True).first()
        )
