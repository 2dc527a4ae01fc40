"""工匠学院统计 (issue 15 point 8): the Shandong statistics set, per union unit, with drill-down.

A **registry of indicators**. Each indicator is one small function that, given a
:class:`StatsQuery` (the user, the unit viewed, the period, the academy-level filter), returns
its counts **grouped by the owning union unit**: ``{org_id: {figure_key: count}}``. It reads its
rows only through ``visible_to`` (the data scope) and the unit's subtree (``StatsQuery.rows``).
:func:`statistics_report` rolls the per-unit counts up to the child units of the unit viewed
(a unit's figures include its whole subtree), so the page drills 省 → 市 → 县 → 基层 by clicking a
row, and the Excel export writes the same :class:`Report`. The counting rules are in
``docs/kpi.md`` §4 and in each indicator's ``rule`` (the export's notes sheet prints them).

How to add an indicator (skill upgrades, competitions, innovation activities and partner
enterprises were added this way)::

    def _count_competitions(q: StatsQuery) -> Counts:
        rows = (
            q.rows(Competition)                       # visible_to(user) + the unit's subtree
            .filter(held_on__gte=q.start, held_on__lte=q.end)   # the period, if it is a flow
            .filter(q.level_q())                      # the academy-level filter ("academy__level")
            .values("org_id")
            .annotate(held=Count("pk"), entrants=Count("entries", distinct=True))
        )
        return grouped(rows, ("held", "entrants"))

    register(Indicator(
        key="competitions", label="劳动和技能竞赛",
        figures=(Figure("held", "竞赛场次", link=...), Figure("entrants", "参赛人次")),
        count=_count_competitions,
        rule="举办日期在统计期间内的竞赛；参赛人次 = 报名并参赛的人数（一人参加两项计两人次）。",
    ))

1. the function takes the ``StatsQuery`` and returns ``{org_id: {figure key: int}}`` (use
   :func:`grouped` on a ``values("org_id").annotate(...)`` queryset, or build the dict yourself
   when the figure keys are data, like course fields);
2. it reads through ``q.rows(Model, org_field=...)`` — never ``Model.objects`` directly — and
   applies ``q.level_q(...)`` with the path to the academy's ``level`` (or ignores the filter
   and says so in ``rule`` when the rows have no academy);
3. ``figures`` lists the columns (``headline=False`` keeps one out of the drill-down table; it
   still shows in the unit's breakdown and the export); ``link`` builds the URL of the filtered
   list behind a figure, when a list page exists;
4. ``register(...)`` at import time (the order of registration is the order of the columns),
   a counting rule in ``docs/kpi.md`` §4, and a test against hand-made data.

Nothing else changes: the page, the export and the roll-up read the registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse

from jiangqiao.casework.choices import UpgradeSource
from jiangqiao.core.choices import Status

# The period helpers and the drill path are shared with the dashboards (re-exported here).
from jiangqiao.core.periods import MAX_DAY as MAX_DAY
from jiangqiao.core.periods import MIN_DAY as MIN_DAY
from jiangqiao.core.periods import PERIOD_KINDS as PERIOD_KINDS
from jiangqiao.core.periods import period_bounds as period_bounds
from jiangqiao.core.periods import period_label as period_label
from jiangqiao.core.scope import subtree_q
from jiangqiao.orgs.models import Organization
from jiangqiao.orgs.selectors import default_unit as default_unit
from jiangqiao.orgs.selectors import drill_trail as drill_trail

from . import selectors
from .choices import (
    AcademyLevel,
    AcademyType,
    ClassStatus,
    CourseStatus,
    LecturerKind,
    OrderStatus,
)
from .models import Academy, Contestant, Course, Lecturer, TrainingClass, TrainingOrder

Counts = dict[int, dict[str, int]]


@dataclass(frozen=True)
class StatsQuery:
    """What one statistics page asks: whose scope, which unit, which period, which level."""

    user: Any
    unit: Organization
    start: dt.date
    end: dt.date
    level: str = ""

    def rows(self, model: Any, *, org_field: str = "org") -> QuerySet[Any]:
        """The model's rows in the user's data scope and in the unit's subtree."""
        return model.objects.visible_to(self.user, "view").filter(  # type: ignore[no-any-return]
            subtree_q(self.unit.path, field=org_field)
        )

    def level_q(self, field: str = "academy__level") -> Q:
        """The academy-level filter (``""`` = every level)."""
        return Q(**{field: self.level}) if self.level else Q()

    def params(self, **extra: Any) -> dict[str, Any]:
        """Query parameters of the period and level, for links and drill-down."""
        out: dict[str, Any] = {
            "period": "custom",
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.level:
            out["level"] = self.level
        out.update(extra)
        return out


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    #: Shown as a column of the drill-down table (all figures show in the unit's breakdown).
    headline: bool = True
    #: URL of the filtered list behind the figure for a unit (``None``: no list page).
    link: Callable[[StatsQuery, int], str] | None = None


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    figures: tuple[Figure, ...] | Callable[[], tuple[Figure, ...]]
    count: Callable[[StatsQuery], Counts]
    #: The counting rule, in Chinese (page notes, the export's notes sheet, docs/kpi.md §4).
    rule: str
    #: A stock (现有数) counted as of now, not within the period.
    stock: bool = False

    def figure_list(self) -> tuple[Figure, ...]:
        return self.figures() if callable(self.figures) else self.figures


REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.key in REGISTRY:
        raise ValueError(f"indicator {indicator.key!r} is registered twice")
    REGISTRY[indicator.key] = indicator
    return indicator


def grouped(rows: Iterable[Mapping[str, Any]], keys: Iterable[str]) -> Counts:
    """``values("org_id").annotate(...)`` rows → ``{org_id: {key: int}}`` (``None`` → 0)."""
    keys = tuple(keys)
    out: Counts = {}
    for row in rows:
        into = out.setdefault(row["org_id"], {})
        for key in keys:
            into[key] = into.get(key, 0) + int(row[key] or 0)
    return out


def _list_url(name: str, **params: Any) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{reverse(name)}?{urlencode(clean)}"


# ------------------------------------------------------------------------------------------------
# The indicators (the order of registration is the order of the columns)
# ------------------------------------------------------------------------------------------------


def _academy_link(**extra: Any) -> Callable[[StatsQuery, int], str]:
    def link(q: StatsQuery, org_id: int) -> str:
        params = {"level": q.level, **extra}
        return _list_url("academy:academy_list", org_id=org_id, status=Status.ACTIVE, **params)

    return link


def _count_academies(q: StatsQuery) -> Counts:
    rows = (
        q.rows(Academy)
        .filter(status=Status.ACTIVE)
        .filter(q.level_q("level"))
        .values("org_id", "level", "academy_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: Counts = {}
    for row in rows:
        into = out.setdefault(row["org_id"], {})
        for key in ("total", f"level:{row['level']}", f"type:{row['academy_type']}"):
            into[key] = into.get(key, 0) + row["n"]
    return out


register(
    Indicator(
        key="academies",
        label="工匠学院",
        figures=(
            Figure("total", "学院总数", link=_academy_link()),
            *(
                Figure(f"level:{value}", str(label), link=_academy_link(level=value))
                for value, label in AcademyLevel.choices
            ),
            *(
                Figure(
                    f"type:{value}",
                    str(label),
                    headline=False,
                    link=_academy_link(academy_type=value),
                )
                for value, label in AcademyType.choices
            ),
        ),
        count=_count_academies,
        rule=(
            "现有启用的学院节点（总部、分院、实训基地、考核站点各计一个），按学院自身的级别和类型分列；"
            "停用的不计。存量指标，不随统计期间变化。"
        ),
        stock=True,
    )
)


def _class_link(q: StatsQuery, org_id: int) -> str:
    return _list_url(
        "academy:trainingclass_list",
        org_id=org_id,
        start_from=q.start.isoformat(),
        start_to=q.end.isoformat(),
        academy_level=q.level,
        held="true",
    )


TRAINING_FIGURES = ("classes", "trained", "sme", "large", "unsized", "no_enterprise", "certs")


def _count_trainings(q: StatsQuery) -> Counts:
    rows = (
        q.rows(TrainingClass)
        .filter(start_date__gte=q.start, start_date__lte=q.end)
        .exclude(status=ClassStatus.CANCELLED)
        .filter(q.level_q())
        .values("org_id")
        .annotate(
            classes=Count("pk"),
            trained=Sum("tally__trained"),
            sme=Sum("tally__trained_sme"),
            large=Sum("tally__trained_large"),
            unsized=Sum("tally__trained_unsized"),
            no_enterprise=Sum("tally__trained_no_enterprise"),
            certs=Sum("tally__certificates"),
        )
        .order_by()
    )
    return grouped(rows, TRAINING_FIGURES)


register(
    Indicator(
        key="trainings",
        label="培训",
        figures=(
            Figure("classes", "举办班次", link=_class_link),
            Figure("trained", "培训人次"),
            Figure("sme", "其中中小微企业职工"),
            Figure("large", "其中大型企业职工", headline=False),
            Figure("unsized", "其中企业未划型", headline=False),
            Figure("no_enterprise", "其中未关联企业"),
            Figure("certs", "结业证书"),
        ),
        count=_count_trainings,
        rule=(
            "班次按开班日期计入统计期间，已取消的班次不计；一个班次的全部数字计入其开班所在期间。"
            "培训人次 = 这些班次中状态为“已报名”且至少有一次出勤或迟到记录的学员（一人参加两个班次计两人次；"
            "候补、已退出和从未到课的不计）。其中按学员工作单位（需求池企业）登记时的企业规模分列："
            "中小微企业 = 划型为中型、小型、微型；大型；企业未划型 = 已关联企业但未划型；"
            "未关联企业 = 只填了单位名称或未填（单独列出，不猜测）。企业未登记所有制，民营企业不单独统计。"
            "结业证书 = 这些班次已颁发的结业证书数。"
        ),
    )
)


def _lecturer_link(**extra: Any) -> Callable[[StatsQuery, int], str]:
    def link(q: StatsQuery, org_id: int) -> str:
        return _list_url(
            "academy:lecturer_list",
            org_id=org_id,
            status=Status.ACTIVE,
            academy_level=q.level,
            **extra,
        )

    return link


def _count_lecturers(q: StatsQuery) -> Counts:
    rows = (
        q.rows(Lecturer)
        .filter(status=Status.ACTIVE)
        .filter(q.level_q())
        .values("org_id", "kind", "shared")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: Counts = {}
    for row in rows:
        into = out.setdefault(row["org_id"], {})
        keys = ["total", row["kind"]] + (["shared"] if row["shared"] else [])
        for key in keys:
            into[key] = into.get(key, 0) + row["n"]
    return out


register(
    Indicator(
        key="lecturers",
        label="师资",
        figures=(
            Figure("total", "师资总数", link=_lecturer_link()),
            Figure(
                LecturerKind.CRAFTSMAN,
                "劳模工匠",
                link=_lecturer_link(kind=LecturerKind.CRAFTSMAN),
            ),
            Figure(
                LecturerKind.EXTERNAL,
                "外聘专家",
                link=_lecturer_link(kind=LecturerKind.EXTERNAL),
            ),
            Figure("shared", "联盟共享", link=_lecturer_link(shared="true")),
        ),
        count=_count_lecturers,
        rule=(
            "现有启用的师资（一名工匠受聘于两所学院计两人次），按来源分为人才库劳模工匠和外聘专家；"
            "联盟共享 = 其中标记为向联盟共享的。按聘任学院的单位和级别统计。存量指标。"
        ),
        stock=True,
    )
)


def _count_pool_members(q: StatsQuery) -> Counts:
    rows = (
        q.rows(Academy)
        .filter(status=Status.ACTIVE, alliance__isnull=False)
        .filter(q.level_q("level"))
        .values("org_id")
        .annotate(members=Count("pk"))
        .order_by()
    )
    return grouped(rows, ("members",))


register(
    Indicator(
        key="pool",
        label="联盟",
        figures=(Figure("members", "联盟成员学院", link=_academy_link(in_alliance="true")),),
        count=_count_pool_members,
        rule="现有启用且已加入学院联盟的学院节点数（按学院所属单位统计，联盟由哪一级召集不论）。存量指标。",
        stock=True,
    )
)


def _course_figures() -> tuple[Figure, ...]:
    from jiangqiao.taxonomy.models import Term

    fields = list(
        Term.objects.filter(scheme="course_field", is_active=True)
        .order_by("sort", "code")
        .values_list("code", "name")
    )
    return (
        Figure("total", "已发布课程", link=_course_link()),
        *(
            Figure(f"field:{code}", label, headline=False, link=_course_link(field=code))
            for code, label in fields
        ),
    )


def _course_link(**extra: Any) -> Callable[[StatsQuery, int], str]:
    def link(q: StatsQuery, org_id: int) -> str:
        return _list_url(
            "academy:course_list",
            org_id=org_id,
            status=CourseStatus.PUBLISHED,
            academy_level=q.level,
            **extra,
        )

    return link


def _count_courses(q: StatsQuery) -> Counts:
    rows = (
        q.rows(Course)
        .filter(status=CourseStatus.PUBLISHED)
        .filter(q.level_q())
        .values("org_id", "field")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: Counts = {}
    for row in rows:
        into = out.setdefault(row["org_id"], {})
        for key in ("total", f"field:{row['field']}"):
            into[key] = into.get(key, 0) + row["n"]
    return out


register(
    Indicator(
        key="courses",
        label="课程",
        figures=_course_figures,
        count=_count_courses,
        rule="现有已发布的课程（草稿、已下架不计），按课程领域分列。存量指标。",
        stock=True,
    )
)


def _skill_levels() -> list[tuple[str, str]]:
    from jiangqiao.taxonomy.models import Term

    return list(
        Term.objects.filter(scheme="skill_level", is_active=True)
        .order_by("sort", "code")
        .values_list("code", "name")
    )


def _upgrade_figures() -> tuple[Figure, ...]:
    return (
        Figure("total", "技能提升人次"),
        Figure(f"source:{UpgradeSource.TRAINING}", "其中学院培训"),
        Figure(f"source:{UpgradeSource.SESSION}", "其中服务记录", headline=False),
        *(
            Figure(f"level:{code}", f"晋升至{label}", headline=False)
            for code, label in _skill_levels()
        ),
    )


def _count_upgrades(q: StatsQuery) -> Counts:
    """The one count of skill upgrades (casework ``kpi.skill_upgrade_counts``), by unit."""
    from jiangqiao.casework.kpi import skill_upgrade_counts

    return skill_upgrade_counts(user=q.user, start=q.start, end=q.end, org=q.unit).by_org


register(
    Indicator(
        key="upgrades",
        label="技能等级晋升",
        figures=_upgrade_figures,
        count=_count_upgrades,
        rule=(
            "与服务办理共用一种技能提升记录、一个口径（与服务办理统计的“技能提升人次”相同）：证书日期在统计期间内；"
            "同一职工同一职业同一晋升等级、或同一证书编号，一年内只计一次。"
            "按晋升后的等级分列，并分列来源（学院培训 / 服务记录）。"
            "学院级别筛选不适用于此项（服务记录的技能提升不属于某个学院）。"
        ),
    )
)


LIVE_ORDER = ~Q(status__in=(OrderStatus.RETURNED, OrderStatus.WITHDRAWN))


def _order_link(q: StatsQuery, org_id: int) -> str:
    return _list_url(
        "academy:order_list",
        org_id=org_id,
        placed_from=q.start.isoformat(),
        placed_to=q.end.isoformat(),
    )


def _count_orders(q: StatsQuery) -> Counts:
    rows = (
        q.rows(TrainingOrder)
        .filter(LIVE_ORDER, created_at__date__gte=q.start, created_at__date__lte=q.end)
        .filter(q.level_q())
        .values("org_id")
        .annotate(
            partners=Count("enterprise", distinct=True),
            orders=Count("pk"),
            delivered=Count(
                "pk", filter=Q(status__in=(OrderStatus.DELIVERED, OrderStatus.EVALUATED))
            ),
        )
        .order_by()
    )
    return grouped(rows, ("partners", "orders", "delivered"))


register(
    Indicator(
        key="orders",
        label="合作企业",
        figures=(
            Figure("partners", "合作企业"),
            Figure("orders", "培训订单", link=_order_link),
            Figure("delivered", "其中已交付", headline=False),
        ),
        count=_count_orders,
        rule=(
            "下单日期在统计期间内、未退回未撤回的培训订单（点单邀约与院企订单式）；"
            "合作企业 = 这些订单的不同企业数，按承接学院所属单位计（同一企业向两个单位的学院下单，各计一次）；"
            "其中已交付 = 已交付或已评价的订单。"
        ),
    )
)


def _competition_link(q: StatsQuery, org_id: int) -> str:
    return _list_url(
        "academy:competition_list",
        org_id=org_id,
        start_from=q.start.isoformat(),
        start_to=q.end.isoformat(),
        held="true",
    )


def _count_competitions(q: StatsQuery) -> Counts:
    held = selectors.held_competitions(user=q.user, org=q.unit, start=q.start, end=q.end).filter(
        q.level_q()
    )
    out = grouped(held.values("org_id").annotate(held=Count("pk")).order_by(), ("held",))
    contestants = (
        Contestant.objects.filter(competition__in=held)
        .values("competition__org_id")
        .annotate(
            entrants=Count("pk"),
            awarded=Count("pk", filter=selectors.AWARDED),
        )
        .order_by()
    )
    for row in contestants:
        into = out.setdefault(row["competition__org_id"], {})
        into["entrants"] = into.get("entrants", 0) + row["entrants"]
        into["awarded"] = into.get("awarded", 0) + row["awarded"]
    return out


register(
    Indicator(
        key="competitions",
        label="劳动和技能竞赛",
        figures=(
            Figure("held", "竞赛场次", link=_competition_link),
            Figure("entrants", "参赛人次"),
            Figure("awarded", "获奖人次", headline=False),
        ),
        count=_count_competitions,
        rule=(
            "比赛开始日期在统计期间内、且已举办（比赛中/评分中/已公布）的竞赛，按主办单位计；"
            "参赛人次 = 这些竞赛的参赛选手（一人参加两项计两人次）；获奖人次 = 已公布竞赛中获奖的选手。"
            "选择学院级别时只计有承办学院且级别相符的竞赛。"
        ),
    )
)


def _innovation_link(q: StatsQuery, org_id: int) -> str:
    return _list_url(
        "academy:innovation_list",
        org_id=org_id,
        start_from=q.start.isoformat(),
        start_to=q.end.isoformat(),
    )


def _count_innovations(q: StatsQuery) -> Counts:
    args = {"user": q.user, "org": q.unit, "start": q.start, "end": q.end}
    started = selectors.started_innovations(**args).filter(q.level_q())
    out = grouped(started.values("org_id").annotate(started=Count("pk")).order_by(), ("started",))
    completed = (
        selectors.completed_innovations(**args)
        .filter(q.level_q())
        .values("org_id")
        .annotate(
            completed=Count("pk"),
            patents=Sum("patent_count"),
            adopted=Count("pk", filter=Q(adopted=True)),
        )
        .order_by()
    )
    for org_id, figures in grouped(completed, ("completed", "patents", "adopted")).items():
        out.setdefault(org_id, {}).update(figures)
    return out


register(
    Indicator(
        key="innovations",
        label="创新活动",
        figures=(
            Figure("started", "立项", link=_innovation_link),
            Figure("completed", "完成"),
            Figure("patents", "专利", headline=False),
            Figure("adopted", "采纳推广", headline=False),
        ),
        count=_count_innovations,
        rule=(
            "立项 = 开始日期在统计期间内的创新活动（创新工作室项目、五小、合理化建议、揭榜挂帅，不论现状态）；"
            "完成 = 统计期间内改为“已完成”的活动，专利、采纳推广按这些完成的活动合计。"
            "选择学院级别时只计所属学院级别相符的活动。"
        ),
    )
)


# ------------------------------------------------------------------------------------------------
# The report: roll-up to the child units
# ------------------------------------------------------------------------------------------------


@dataclass
class Column:
    indicator: Indicator
    figure: Figure

    @property
    def key(self) -> str:
        return f"{self.indicator.key}.{self.figure.key}"


@dataclass
class Row:
    """A row of the drill-down table: a child unit (with its subtree), the unit's own rows
    (``本级``) or the rows of lower units the user may not see by name (``其他下级单位``)."""

    label: str
    unit: Organization | None
    values: dict[str, int] = field(default_factory=dict)
    kind: str = "child"  # child / own / other

    def value(self, key: str) -> int:
        return self.values.get(key, 0)


@dataclass
class Report:
    query: StatsQuery
    columns: list[Column]
    rows: list[Row]
    total: dict[str, int]
    trail: list[Organization]

    @property
    def headline(self) -> list[Column]:
        return [c for c in self.columns if c.figure.headline]

    @property
    def is_empty(self) -> bool:
        return not any(self.total.values())

    @property
    def period_empty(self) -> bool:
        """Nothing counted within the period (the stock figures may still be there)."""
        return not any(
            v for c in self.columns if not c.indicator.stock for v in [self.total.get(c.key, 0)]
        )

    def link(self, column: Column, row: Row) -> str | None:
        unit = row.unit
        if column.figure.link is None or unit is None or row.kind == "other":
            return None
        if row.kind == "own":
            return (
                None  # the lists filter by subtree; the unit's own rows have no list of their own
            )
        return column.figure.link(self.query, unit.pk)

    def total_link(self, column: Column) -> str | None:
        if column.figure.link is None:
            return None
        return column.figure.link(self.query, self.query.unit.pk)

    def breakdown(self) -> list[tuple[Indicator, list[tuple[Column, int]]]]:
        out: list[tuple[Indicator, list[tuple[Column, int]]]] = []
        for indicator in REGISTRY.values():
            cols = [c for c in self.columns if c.indicator is indicator]
            out.append((indicator, [(c, self.total.get(c.key, 0)) for c in cols]))
        return out


def stats_units(*, user: Any) -> QuerySet[Organization]:
    """Units whose statistics the user may open (his data scope of the org tree)."""
    return Organization.objects.visible_to(user, "view")


def statistics_report(*, user: Any, query: StatsQuery) -> Report:
    """Every registered indicator for ``query.unit`` (its subtree), with one row per child unit
    the user sees, the unit's own rows, and the rest (lower units he may not see by name)."""
    columns = [Column(ind, fig) for ind in REGISTRY.values() for fig in ind.figure_list()]
    by_org: Counts = {}
    for indicator in REGISTRY.values():
        for org_id, values in indicator.count(query).items():
            into = by_org.setdefault(org_id, {})
            for key, value in values.items():
                full = f"{indicator.key}.{key}"
                into[full] = into.get(full, 0) + value
    unit = query.unit
    children = list(
        stats_units(user=user)
        .filter(parent=unit)
        .order_by("sort", "region_code", "pk")
        .only("pk", "name", "path", "depth", "level", "parent_id")
    )
    own = Row("本级（直属）", unit, kind="own")
    other = Row("其他下级单位", None, kind="other")
    child_rows = {c.pk: Row(c.name, c) for c in children}
    paths = dict(Organization.objects.filter(pk__in=list(by_org)).values_list("pk", "path"))
    depth = len(unit.ancestor_ids())
    total: dict[str, int] = {}
    for org_id, values in by_org.items():
        if org_id == unit.pk:
            row = own
        else:
            parts = [int(p) for p in paths.get(org_id, "").strip("/").split("/") if p]
            child_id = parts[depth] if len(parts) > depth else None
            row = child_rows.get(child_id or 0, other)
        for key, value in values.items():
            row.values[key] = row.values.get(key, 0) + value
            total[key] = total.get(key, 0) + value
    rows = [own, *child_rows.values()]
    if other.values:
        rows.append(other)
    return Report(
        query=query,
        columns=columns,
        rows=rows,
        total=total,
        trail=drill_trail(user=user, unit=unit),
    )
