"""The dashboards' own rows: yearly targets (with their history) and the figure rollups.

Nothing here is a source of truth for the campaign's work: the figures are recomputed from the
raw rows of casework and the academy (``rollups.py``; counting rules in docs/kpi.md) and can be
rebuilt at any time by ``manage.py rollups_rebuild``. Targets are the one thing entered here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from jiangqiao.core.concurrency import VersionedModel
from jiangqiao.core.models import OrgOwnedModel
from jiangqiao.core.scope import ScopedManager, ScopedQuerySet

from .choices import Campaign, CustomStatus, Dimension


class Target(VersionedModel, OrgOwnedModel):
    """A unit's yearly target for one indicator of a campaign, set by the level above.

    ``org`` is the unit the target is for. A province's own target is set by the national level
    (or by the province itself when there is no instance above it); a city's by its province, a
    county's by its city. The targets of a unit's children should add up to its own target (the
    split is checked, ``services.target_split``)."""

    campaign = models.CharField(
        "专项行动", max_length=32, choices=Campaign.choices, default=Campaign.ZHUQIXING
    )
    year = models.PositiveSmallIntegerField("年度")
    indicator = models.CharField("指标", max_length=32)
    value = models.PositiveBigIntegerField("目标值")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "年度目标"
        verbose_name_plural = "年度目标"
        ordering = ["-year", "org__path", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "campaign", "year", "indicator"], name="dashboards_target_unique"
            )
        ]
        indexes = [models.Index(fields=["campaign", "year", "indicator"])]
        permissions = [
            ("view_cockpit", "查看统计驾驶舱"),
            ("set_target", "为下级单位分解年度目标"),
            ("export_report", "导出上报统计表"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.indicator} {self.value}"


class CustomIndicatorQuerySet(ScopedQuerySet):
    """``visible_to`` as every model (the data scope), plus — for reading — the definitions of
    the units above the user's own: a province's custom indicator is the figure its cities and
    counties are assessed on, so they see its definition (not the province's figures). Changing
    one stays within the data scope."""

    def visible_to(self, user: Any, action: str = "view") -> CustomIndicatorQuerySet:
        scoped = super().visible_to(user, action)
        org = getattr(user, "org", None) if getattr(user, "is_authenticated", False) else None
        if action != "view" or org is None or not user.has_perm("dashboards.view_customindicator"):
            return scoped
        return scoped | self.filter(org_id__in=org.ancestor_ids())


class CustomIndicatorManager(ScopedManager.from_queryset(CustomIndicatorQuerySet)):  # type: ignore[misc]
    pass


class CustomIndicator(OrgOwnedModel):
    """An indicator defined by a unit's staff without code: one registered indicator (``base``)
    restricted to one key of one of its breakdowns (e.g. 服务企业数 of 专精特新中小企业). Its
    figures are the rollup rows of that breakdown key, so they are exact, summed over the
    subtree and linked to their list like the registered ones (docs/dashboards.md 自定义指标).

    ``org`` is the defining unit: the indicator applies to it and to every unit below it. Its
    targets are ``Target`` rows with ``indicator = "c<id>"`` (``indicators.custom_code``)."""

    label = models.CharField("指标名称", max_length=40)
    base = models.CharField("基础指标", max_length=32)
    dimension = models.CharField("分组维度", max_length=16, choices=Dimension.choices)
    key = models.CharField("分组取值", max_length=32)
    unit = models.CharField("计量单位", max_length=8)
    description = models.CharField("说明", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=CustomStatus.choices, default=CustomStatus.ACTIVE
    )

    objects = CustomIndicatorManager()  # type: ignore[misc]

    class Meta:
        verbose_name = "自定义指标"
        verbose_name_plural = "自定义指标"
        ordering = ["org__path", "pk"]
        indexes = [models.Index(fields=["org", "status"])]

    def __str__(self) -> str:
        return self.label

    @property
    def code(self) -> str:
        return f"c{self.pk}"


class TargetRevision(models.Model):
    """One change of a target: the value before and after, who, when and why (kept for ever)."""

    target = models.ForeignKey(
        Target, models.CASCADE, related_name="revisions", verbose_name="年度目标"
    )
    before = models.PositiveBigIntegerField("原目标值", null=True, blank=True)
    after = models.PositiveBigIntegerField("新目标值", null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    source = models.CharField("来源", max_length=20, default="form")
    comment = models.CharField("说明", max_length=300, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "target__org"
    scope_owner_field: ClassVar[str | None] = None

    class Meta:
        verbose_name = "目标调整记录"
        verbose_name_plural = "目标调整记录"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.before} → {self.after}"


class _Figure(models.Model):
    """A figure of a unit's own rows (not its subtree) in one cell: ``dimension`` is empty for
    the total, or names a breakdown (``industry``, ``size``…) whose value is ``key``."""

    org = models.ForeignKey(
        "orgs.Organization", models.CASCADE, related_name="+", verbose_name="单位"
    )
    indicator = models.CharField("指标", max_length=32)
    dimension = models.CharField("分组", max_length=16, blank=True, default="")
    key = models.CharField("分组值", max_length=32, blank=True, default="")
    value = models.BigIntegerField("数值", default=0)

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "org"
    scope_owner_field: ClassVar[str | None] = None

    class Meta:
        abstract = True


class DailyFigure(_Figure):
    """The rollup per unit × day × indicator (× breakdown)."""

    day = models.DateField("日期")

    class Meta:
        verbose_name = "日统计"
        verbose_name_plural = "日统计"
        constraints = [
            models.UniqueConstraint(
                fields=["org", "day", "indicator", "dimension", "key"],
                name="dashboards_daily_unique",
            )
        ]
        indexes = [
            models.Index(fields=["day", "dimension"]),
            # The totals (the cockpit's reads) on their own, value included: an index-only scan
            # instead of fetching rows scattered among the breakdown rows (docs/performance.md).
            models.Index(
                fields=["day", "org", "indicator", "value"],
                condition=Q(dimension=""),
                name="dashboards_daily_totals",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.org_id} {self.day} {self.indicator} {self.dimension}:{self.key} = {self.value}"
        )


class MonthlyFigure(_Figure):
    """The same per month (``month`` is its first day): the sum of the month's daily rows, so
    a year is read from twelve rows per unit and indicator."""

    month = models.DateField("月份")

    class Meta:
        verbose_name = "月统计"
        verbose_name_plural = "月统计"
        constraints = [
            models.UniqueConstraint(
                fields=["org", "month", "indicator", "dimension", "key"],
                name="dashboards_monthly_unique",
            )
        ]
        indexes = [
            models.Index(fields=["month", "dimension"]),
            models.Index(
                fields=["month", "org", "indicator", "value"],
                condition=Q(dimension=""),
                name="dashboards_monthly_totals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m} {self.indicator} {self.dimension}:{self.key}"


class RollupLock(models.Model):
    """One row per unit and month: held (``select_for_update``) while the unit's figures of
    that month are recomputed, so two concurrent writes cannot both store a stale sum."""

    org = models.ForeignKey("orgs.Organization", models.CASCADE, related_name="+")
    month = models.DateField()
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "统计刷新锁"
        verbose_name_plural = "统计刷新锁"
        constraints = [
            models.UniqueConstraint(fields=["org", "month"], name="dashboards_lock_unique")
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m}"


class ServedEnterprise(models.Model):
    """服务企业数 (docs/kpi.md §1): an enterprise counts once a calendar year, on the day of its
    first service session of that year, for the unit that owns that session's demand."""

    enterprise = models.ForeignKey(
        "demands.Enterprise", models.CASCADE, related_name="+", verbose_name="企业"
    )
    year = models.PositiveSmallIntegerField("年度")
    org = models.ForeignKey(
        "orgs.Organization", models.CASCADE, related_name="+", verbose_name="单位"
    )
    day = models.DateField("首次服务日期")

    class Meta:
        verbose_name = "年度服务企业"
        verbose_name_plural = "年度服务企业"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="dashboards_served_unique")
        ]
        indexes = [models.Index(fields=["org", "day"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}: {self.day}"
