"""Training orders (培训订单, issue 15 point 4): an enterprise orders training from an academy.

Two kinds: 点单邀约 (a published course of the menu, or an invitation of a named lecturer) and
院企订单式 (a custom request: topic, description, occupation, skill level). An order is owned by the
union unit of its academy (``org``); the enterprise contacts of its enterprise see it too (仅本人
through ``enterprise__contacts__user``, like demands). Statuses change only in ``orders.py``
(state table ``ORDER_MOVES``, conditional update, one ``OrderEvent`` per change).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jiangqiao.core.concurrency import VersionedModel
from jiangqiao.core.models import OrgOwnedModel
from jiangqiao.core.textfields import NormalizedCharField, NormalizedTextField
from jiangqiao.taxonomy.fields import TermCodeField

from .choices import OrderKind, OrderSite, OrderStatus

#: Planned trainees of one order.
TRAINEES_MAX = 10000


class TrainingOrder(VersionedModel, OrgOwnedModel):
    """An enterprise's training order placed with an academy."""

    number = models.CharField("订单编号", max_length=32, unique=True, editable=False)
    kind = models.CharField("订单类型", max_length=12, choices=OrderKind.choices, db_index=True)
    enterprise = models.ForeignKey(
        "demands.Enterprise", models.PROTECT, related_name="training_orders", verbose_name="企业"
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="下单人",
    )
    academy = models.ForeignKey(
        "academy.Academy", models.PROTECT, related_name="orders", verbose_name="承接学院"
    )
    course = models.ForeignKey(
        "academy.Course",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name="点选课程",
    )
    course_edition = models.PositiveIntegerField("课程版次", default=0, editable=False)
    lecturer = models.ForeignKey(
        "academy.Lecturer",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name="邀请讲师",
    )
    topic = NormalizedCharField("培训主题", max_length=100)
    description = NormalizedTextField("培训需求说明", max_length=2000, blank=True)
    occupation = TermCodeField("occupation", verbose_name="面向职业（工种）", blank=True)
    skill_level = TermCodeField("skill_level", verbose_name="面向技能等级", blank=True)
    trainees_planned = models.PositiveIntegerField(
        "计划参训人数", validators=[MinValueValidator(1), MaxValueValidator(TRAINEES_MAX)]
    )
    period_from = models.DateField("期望培训时间起")
    period_to = models.DateField("期望培训时间止")
    site = models.CharField("培训地点方式", max_length=12, choices=OrderSite.choices)
    address = NormalizedCharField("送教地址", max_length=200, blank=True)
    source_demand = models.ForeignKey(
        "demands.Demand",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="training_orders",
        editable=False,
        verbose_name="来源需求",
    )
    demand_status_before = models.CharField(
        "转单前需求状态", max_length=20, blank=True, editable=False
    )
    training_class = models.OneToOneField(
        "academy.TrainingClass",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="order",
        editable=False,
        verbose_name="班次",
    )
    status = models.CharField(
        "状态",
        max_length=12,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING,
        db_index=True,
    )
    return_reason = NormalizedCharField("退回原因", max_length=500, blank=True, editable=False)
    satisfaction = models.PositiveSmallIntegerField(
        "满意度",
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    evaluation = NormalizedTextField("评价意见", max_length=1000, blank=True, editable=False)
    evaluated_at = models.DateTimeField("评价时间", null=True, blank=True, editable=False)

    scope_owner_field: ClassVar[str | None] = "enterprise__contacts__user|created_by"
    scope_to_many: ClassVar[bool] = True

    class Meta:
        verbose_name = "培训订单"
        verbose_name_plural = "培训订单"
        ordering = ["-created_at", "-id"]
        permissions = [
            ("handle_trainingorder", "受理、退回培训订单并排课"),
            ("convert_demand", "技能培训需求转为学院订单"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__gte=models.F("period_from")),
                name="academy_order_period",
                violation_error_message="期望培训时间止：不能早于起始日期",
            ),
            models.CheckConstraint(
                condition=Q(trainees_planned__gte=1) & Q(trainees_planned__lte=TRAINEES_MAX),
                name="academy_order_trainees",
                violation_error_message=f"计划参训人数：应在 1 至 {TRAINEES_MAX} 之间",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | (Q(satisfaction__gte=1) & Q(satisfaction__lte=5)),
                name="academy_order_satisfaction",
                violation_error_message="满意度：应为 1 至 5 分",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("academy:order_detail", args=[self.pk])


class OrderEvent(models.Model):
    """One status change of a training order (its timeline)."""

    order = models.ForeignKey(
        TrainingOrder, models.CASCADE, related_name="events", verbose_name="培训订单"
    )
    from_status = models.CharField("原状态", max_length=12, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    comment = models.CharField("说明", max_length=500, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "培训订单状态记录"
        verbose_name_plural = "培训订单状态记录"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"
