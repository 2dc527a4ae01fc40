"""Competitions (劳动和技能竞赛) with their contestants, judges and marks, and innovation
activities (创新工作室项目、五小、合理化建议、揭榜挂帅) — issue 15 point 7.

A competition is organised by a union unit (``org``; optionally hosted by an academy) and may be
prepared by training classes ("以赛带训"). A contestant is an ``academy.Trainee`` of the
organiser's unit (encrypted ID number and mobile, found by the blind index) with the occupation,
skill level and employer declared on registration. Judges are craftsmen of the talent pool or
external experts; a judge never marks a contestant of his own employer. Statuses change only in
``competitions`` (state tables there), every move leaves a history row.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from jiangqiao.core.concurrency import VersionedModel
from jiangqiao.core.models import AuditedModel, OrgOwnedModel
from jiangqiao.core.textfields import NormalizedCharField, NormalizedTextField
from jiangqiao.core.validators import validate_uscc
from jiangqiao.taxonomy.fields import TermCodeField
from jiangqiao.text import normalize

from .choices import (
    Award,
    CompetitionLevel,
    CompetitionStatus,
    EmployerRestriction,
    FiveSmallType,
    InnovationKind,
    InnovationStatus,
    JudgeKind,
)


class Competition(VersionedModel, OrgOwnedModel):
    """A skills competition organised by a union unit (``org``)."""

    title = NormalizedCharField("赛事名称", max_length=100)
    level = models.CharField("赛事级别", max_length=12, choices=CompetitionLevel.choices)
    occupation = TermCodeField("occupation", verbose_name="竞赛职业（工种）", blank=True)
    academy = models.ForeignKey(
        "academy.Academy",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="competitions",
        verbose_name="承办学院",
    )
    registration_start = models.DateField("报名开始日期")
    registration_end = models.DateField("报名截止日期")
    start_date = models.DateField("比赛开始日期")
    end_date = models.DateField("比赛结束日期")
    venue = NormalizedCharField("比赛地点", max_length=200, blank=True)
    min_skill_level = TermCodeField("skill_level", verbose_name="最低技能等级", blank=True)
    max_skill_level = TermCodeField("skill_level", verbose_name="最高技能等级", blank=True)
    allowed_occupations = models.JSONField("限报职业（工种）", default=list, blank=True)
    employer_restriction = models.CharField(
        "工作单位限制",
        max_length=12,
        choices=EmployerRestriction.choices,
        default=EmployerRestriction.NONE,
    )
    region_prefix = TermCodeField("region", verbose_name="限定地区", blank=True)
    max_participants = models.PositiveIntegerField(
        "人数上限", validators=[MinValueValidator(1), MaxValueValidator(100000)]
    )
    description = NormalizedTextField("赛事说明", max_length=2000, blank=True)
    classes = models.ManyToManyField(
        "academy.TrainingClass",
        blank=True,
        related_name="competitions",
        verbose_name="赛前培训班次（以赛带训）",
    )
    status = models.CharField(
        "状态",
        max_length=12,
        choices=CompetitionStatus.choices,
        default=CompetitionStatus.PREPARING,
        db_index=True,
    )
    awards_first = models.PositiveIntegerField("一等奖名额", default=0)
    awards_second = models.PositiveIntegerField("二等奖名额", default=0)
    awards_third = models.PositiveIntegerField("三等奖名额", default=0)
    awards_excellence = models.PositiveIntegerField("优秀奖名额", default=0)
    published_at = models.DateTimeField("成绩公布时间", null=True, blank=True)

    audit_exclude: ClassVar[tuple[str, ...]] = ("classes",)

    class Meta:
        verbose_name = "竞赛"
        verbose_name_plural = "竞赛"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="academy_competition_dates",
                violation_error_message="比赛结束日期：不能早于比赛开始日期",
            ),
            models.CheckConstraint(
                condition=Q(registration_end__gte=models.F("registration_start")),
                name="academy_competition_reg_dates",
                violation_error_message="报名截止日期：不能早于报名开始日期",
            ),
            models.CheckConstraint(
                condition=Q(registration_end__lt=models.F("start_date")),
                name="academy_competition_reg_before_start",
                violation_error_message="报名截止日期：应早于比赛开始日期",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("academy:competition_detail", args=[self.pk])


class CompetitionChild(AuditedModel):
    """A row of a competition: change-logged under the competition's unit."""

    competition_id: int

    class Meta:
        abstract = True

    def audit_org_id(self) -> int | None:
        return (
            Competition.objects.filter(pk=self.competition_id)
            .values_list("org_id", flat=True)
            .first()
        )

    def get_absolute_url(self) -> str:
        return reverse("academy:competition_detail", args=[self.competition_id])


class CompetitionStatusChange(models.Model):
    """One move of a competition's status (the history the detail page shows)."""

    competition = models.ForeignKey(
        Competition, models.CASCADE, related_name="status_changes", verbose_name="竞赛"
    )
    from_status = models.CharField("原状态", max_length=12, choices=CompetitionStatus.choices)
    to_status = models.CharField("新状态", max_length=12, choices=CompetitionStatus.choices)
    at = models.DateTimeField("时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )

    class Meta:
        verbose_name = "竞赛状态变更"
        verbose_name_plural = "竞赛状态变更"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Contestant(OrgOwnedModel):
    """A trainee registered for a competition, with what he declared (occupation, skill level,
    employer) and, once published, his final score, rank and award."""

    competition = models.ForeignKey(
        Competition, models.CASCADE, related_name="contestants", verbose_name="竞赛"
    )
    trainee = models.ForeignKey(
        "academy.Trainee", models.PROTECT, related_name="contestants", verbose_name="选手"
    )
    number = models.PositiveIntegerField("参赛编号")
    occupation = TermCodeField("occupation", verbose_name="申报职业（工种）", blank=True)
    skill_level = TermCodeField("skill_level", verbose_name="申报技能等级")
    enterprise = models.ForeignKey(
        "demands.Enterprise",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="工作单位（需求池企业）",
    )
    employer_name = NormalizedCharField("工作单位", max_length=100, blank=True)
    employer_uscc = models.CharField(
        "工作单位统一社会信用代码", max_length=18, blank=True, validators=[validate_uscc]
    )
    registered_at = models.DateTimeField("报名时间")
    final_score = models.DecimalField(
        "最终成绩", max_digits=6, decimal_places=2, null=True, blank=True
    )
    rank = models.PositiveIntegerField("名次", null=True, blank=True)
    award = models.CharField("奖项", max_length=12, choices=Award.choices, blank=True)

    class Meta:
        verbose_name = "参赛选手"
        verbose_name_plural = "参赛选手"
        ordering = ["number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "trainee"],
                name="academy_contestant_unique",
                violation_error_message="该选手已报名本赛事",
            ),
            models.UniqueConstraint(
                fields=["competition", "number"],
                name="academy_contestant_unique_number",
                violation_error_message="参赛编号重复",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number:03d} {self.trainee}"

    def get_absolute_url(self) -> str:
        return reverse("academy:competition_detail", args=[self.competition_id])

    @property
    def employer_display(self) -> str:
        if self.enterprise_id is not None:
            return self.enterprise.name  # type: ignore[union-attr]
        return self.employer_name


class Judge(CompetitionChild):
    """A judge (评委): a craftsman of the talent pool (name and employer read from his profile) or
    an external expert with an employer name and USCC."""

    competition = models.ForeignKey(
        Competition, models.CASCADE, related_name="judges", verbose_name="竞赛"
    )
    kind = models.CharField("类型", max_length=12, choices=JudgeKind.choices)
    craftsman = models.ForeignKey(
        "talents.Craftsman",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="劳模工匠",
    )
    name = NormalizedCharField("姓名", max_length=50, blank=True)
    employer_name = NormalizedCharField("工作单位", max_length=100, blank=True)
    employer_uscc = models.CharField(
        "工作单位统一社会信用代码", max_length=18, blank=True, validators=[validate_uscc]
    )
    title = NormalizedCharField("职称/职务", max_length=100, blank=True)

    class Meta:
        verbose_name = "评委"
        verbose_name_plural = "评委"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "craftsman"],
                name="academy_judge_unique_craftsman",
                violation_error_message="该劳模工匠已是本赛事评委",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.craftsman_id is not None:
            return self.craftsman.name  # type: ignore[union-attr]
        return self.name

    @property
    def employer(self) -> tuple[str, str]:
        """(employer name, USCC): the craftsman's profile, or what the expert declared."""
        if self.craftsman_id is not None:
            c = self.craftsman
            return (c.employer_name, c.employer_uscc)  # type: ignore[union-attr]
        return (self.employer_name, self.employer_uscc)

    def recused_from(self, contestant: Contestant) -> bool:
        """Whether the judge must not mark ``contestant``: the same employer (same USCC, or the
        same name once normalised)."""
        name, uscc = self.employer
        their_uscc = contestant.employer_uscc or (
            contestant.enterprise.uscc if contestant.enterprise_id is not None else ""  # type: ignore[union-attr]
        )
        if uscc and their_uscc and uscc == their_uscc:
            return True
        their_name = contestant.employer_display
        return bool(name and their_name and normalize(name) == normalize(their_name))


class Score(CompetitionChild):
    """One judge's mark of one contestant (0–100, one decimal)."""

    competition = models.ForeignKey(
        Competition, models.CASCADE, related_name="scores", verbose_name="竞赛"
    )
    judge = models.ForeignKey(Judge, models.CASCADE, related_name="scores", verbose_name="评委")
    contestant = models.ForeignKey(
        Contestant, models.CASCADE, related_name="scores", verbose_name="选手"
    )
    score = models.DecimalField(
        "评分",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = "评分"
        verbose_name_plural = "评分"
        ordering = ["contestant_id", "judge_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["judge", "contestant"],
                name="academy_score_unique",
                violation_error_message="该评委已为该选手评分",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.judge_id}/{self.contestant_id}: {self.score}"


class Innovation(VersionedModel, OrgOwnedModel):
    """An innovation activity (创新工作室项目 / 五小 / 合理化建议 / 揭榜挂帅) of a union unit."""

    kind = models.CharField("类型", max_length=16, choices=InnovationKind.choices)
    five_small_type = models.CharField(
        "五小类别", max_length=12, choices=FiveSmallType.choices, blank=True
    )
    title = NormalizedCharField("项目名称", max_length=100)
    academy = models.ForeignKey(
        "academy.Academy",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="innovations",
        verbose_name="所属学院",
    )
    studio_name = NormalizedCharField("创新工作室", max_length=100, blank=True)
    lead = models.ForeignKey(
        "talents.Craftsman",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="领衔人（劳模工匠）",
    )
    participants_count = models.PositiveIntegerField(
        "参与人数", default=1, validators=[MaxValueValidator(100000)]
    )
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=InnovationStatus.choices,
        default=InnovationStatus.APPROVED,
        db_index=True,
    )
    outcome = NormalizedTextField("成果说明", max_length=2000, blank=True)
    economic_benefit = models.DecimalField(
        "经济效益（元）",
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    patent_count = models.PositiveIntegerField("专利数", default=0)
    patents = NormalizedTextField("专利号/名称", max_length=2000, blank=True)
    adopted = models.BooleanField("已采纳/推广", default=False)
    evaluated_on = models.DateField("评价日期", null=True, blank=True)

    class Meta:
        verbose_name = "创新活动"
        verbose_name_plural = "创新活动"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="academy_innovation_dates",
                violation_error_message="结束日期：不能早于开始日期",
            ),
            models.CheckConstraint(
                condition=Q(economic_benefit__gte=0),
                name="academy_innovation_benefit",
                violation_error_message="经济效益：不能为负数",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("academy:innovation_detail", args=[self.pk])


class InnovationStatusChange(models.Model):
    """One move of an innovation activity's status."""

    innovation = models.ForeignKey(
        Innovation, models.CASCADE, related_name="status_changes", verbose_name="创新活动"
    )
    from_status = models.CharField("原状态", max_length=12, choices=InnovationStatus.choices)
    to_status = models.CharField("新状态", max_length=12, choices=InnovationStatus.choices)
    at = models.DateTimeField("时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )

    class Meta:
        verbose_name = "创新活动状态变更"
        verbose_name_plural = "创新活动状态变更"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
