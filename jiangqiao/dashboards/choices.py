from __future__ import annotations

from django.db import models


class Campaign(models.TextChoices):
    ZHUQIXING = "zhuqixing", "劳模工匠助企行"


class Pace(models.TextChoices):
    """How a unit stands against the pace expected for the date (the cockpit's colours)."""

    AHEAD = "ahead", "超前"
    ON_TRACK = "on_track", "正常"
    SLOW = "slow", "稍慢"
    BEHIND = "behind", "落后"
    NO_TARGET = "no_target", "未设目标"


PACE_COLORS = {
    Pace.AHEAD: "green",
    Pace.ON_TRACK: "teal",
    Pace.SLOW: "yellow",
    Pace.BEHIND: "red",
    Pace.NO_TARGET: "secondary",
}

#: Completion against the expected pace: at or above → on track; within 10 % → slow; below → behind.
SLOW_RATIO = 0.9
AHEAD_RATIO = 1.1


class Dimension(models.TextChoices):
    """Breakdowns kept in the rollups (docs/kpi.md §6)."""

    INDUSTRY = "industry", "行业门类"
    REGION = "region", "地区（地市）"
    KIND = "kind", "服务类型"
    SIZE = "size", "企业规模"
    TIER = "tier", "优质中小企业梯度"
    SOURCE = "source", "来源"
    LEVEL = "level", "提升后等级"


class TargetSource(models.TextChoices):
    """Where a change of a target came from (``TargetRevision.source``)."""

    FORM = "form", "页面"
    IMPORT = "import", "导入"
    API = "api", "接口"


class CustomStatus(models.TextChoices):
    """A custom indicator's state: a retired one keeps its targets and history readable but
    takes no new target and leaves the cockpit."""

    ACTIVE = "active", "启用"
    RETIRED = "retired", "已停用"
