"""The indicators that carry yearly targets, and how each is rolled up (docs/kpi.md §1 and §6).

An indicator is counted by a **source**: a function that, for a set of (unit, day) cells (or
for every cell, when rebuilding), returns the figures of those cells grouped by indicator and
breakdown. The sources read the raw rows with the counting rules of docs/kpi.md — the same
expressions as ``casework.kpi`` (``kpi.session_people``, ``kpi.first_sessions_of_year``…), which
stays the independent recount the tests compare the rollups with.

A figure of a cell is ``{(indicator, dimension, key): value}``; ``("person_times", "", "")`` is
the total, ``("person_times", "industry", "C")`` the part of it in 制造业. The totals of a
dimension add up to the indicator's total (rows with no value fall in the key ``""``, shown as
未填写).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from jiangqiao.academy.choices import ClassStatus
from jiangqiao.academy.models import TrainingClass
from jiangqiao.casework import kpi
from jiangqiao.casework.models import ServiceRecord, SkillUpgrade
from jiangqiao.demands.models import Demand
from jiangqiao.demands.sizing import section_of

from .choices import Dimension
from .models import ServedEnterprise

Cell = tuple[int, dt.date]
CellFigures = dict[Cell, dict[tuple[str, str, str], int]]


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    #: The counting rule, in Chinese (cockpit notes, the report's notes sheet, docs/kpi.md).
    rule: str
    #: One of the national campaign's figures (全总 劳模工匠助企行).
    national: bool = True
    #: The breakdowns kept for it.
    dimensions: tuple[str, ...] = ()
    #: A custom indicator (``CustomIndicator``, code ``c<id>``): the registered indicator it is
    #: part of, and the breakdown key it keeps; "" for a registered one.
    base: str = ""
    dimension: str = ""
    key: str = ""
    #: The unit that defined a custom indicator (it applies to that unit's subtree).
    org_id: int | None = None
    #: A retired custom indicator takes no new target.
    active: bool = True

    @property
    def custom(self) -> bool:
        return bool(self.base)


REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.code in REGISTRY:
        raise ValueError(f"indicator {indicator.code!r} is registered twice")
    REGISTRY[indicator.code] = indicator
    return indicator


def get(code: str) -> Indicator | None:
    return REGISTRY.get(code)


def choices() -> list[tuple[str, str]]:
    return [(i.code, i.label) for i in REGISTRY.values()]


# ------------------------------------------------------------------------------------------------
# Custom indicators (``models.CustomIndicator``): a registered indicator's breakdown key
# ------------------------------------------------------------------------------------------------

CUSTOM_PREFIX = "c"


def custom_code(pk: int) -> str:
    return f"{CUSTOM_PREFIX}{pk}"


def custom_pk(code: str) -> int | None:
    """The id of a custom indicator's code (``"c12"`` → 12), or ``None``."""
    code = str(code or "")
    rest = code[len(CUSTOM_PREFIX) :]
    if code.startswith(CUSTOM_PREFIX) and rest.isdigit() and len(rest) < 18:
        return int(rest)
    return None


def custom_rule(base: Indicator, dimension: str, key_label: str, description: str = "") -> str:
    """The counting rule of a custom indicator, in Chinese (the cockpit, the report)."""
    rule = f"「{base.label}」中「{Dimension(dimension).label}：{key_label}」的部分"
    return f"{rule}。{description}" if description else rule


def key_labels(dimension: str, keys: Iterable[str]) -> dict[str, str]:
    """Labels of a breakdown's keys (the cockpit's slices, custom indicators)."""
    from jiangqiao.casework.choices import UpgradeSource
    from jiangqiao.demands.choices import DemandKind, SizeClass
    from jiangqiao.taxonomy.selectors import term_labels

    keys = list(keys)
    if dimension == Dimension.INDUSTRY:
        return term_labels("industry", keys)
    if dimension == Dimension.REGION:
        return term_labels("region", keys)
    if dimension == Dimension.KIND:
        return {k: str(v) for k, v in DemandKind.choices}
    if dimension == Dimension.SIZE:
        return {**{k: str(v) for k, v in SizeClass.choices}, **ACADEMY_SIZE_LABELS}
    if dimension == Dimension.TIER:
        return term_labels("quality_tier", keys)
    if dimension == Dimension.SOURCE:
        return {k: str(v) for k, v in UpgradeSource.choices}
    if dimension == Dimension.LEVEL:
        return term_labels("skill_level", keys)
    return {}


#: The employer groups of 工匠学院培训人次's ``size`` breakdown (docs/kpi.md §4).
ACADEMY_SIZE_LABELS = {
    "sme": "中小微企业",
    "large": "大型企业",
    "unsized": "企业未划型",
    "no_enterprise": "未关联企业",
}
#: The taxonomy scheme (and level) of a breakdown's keys; the others are choices in code.
KEY_SCHEMES = {
    Dimension.INDUSTRY: ("industry", 1),  # 门类
    Dimension.REGION: ("region", 2),  # 地市
    Dimension.TIER: ("quality_tier", None),
    Dimension.LEVEL: ("skill_level", None),
}


def key_options(dimension: str, base: str = "") -> list[tuple[str, str]]:
    """The keys a breakdown can take (``[(key, label)]``, without 未填写): what a custom
    indicator may keep."""
    from jiangqiao.casework.choices import UpgradeSource
    from jiangqiao.demands.choices import DemandKind, SizeClass
    from jiangqiao.taxonomy.selectors import term_list

    if dimension in KEY_SCHEMES:
        scheme, level = KEY_SCHEMES[Dimension(dimension)]
        rows = term_list(scheme=scheme, level=level).values_list("code", "name")
        return [(str(code), str(name)) for code, name in rows]
    if dimension == Dimension.KIND:
        return [(k, str(v)) for k, v in DemandKind.choices]
    if dimension == Dimension.SIZE:
        if base == "academy_trained":
            return list(ACADEMY_SIZE_LABELS.items())
        return [(k, str(v)) for k, v in SizeClass.choices if k]
    if dimension == Dimension.SOURCE:
        return [(k, str(v)) for k, v in UpgradeSource.choices]
    return []


def from_custom(row: Any) -> Indicator:
    """The uniform view of a ``CustomIndicator`` row (label, unit, rule, base, key…)."""
    base = REGISTRY[row.base]
    key_label = key_labels(row.dimension, [row.key]).get(row.key, row.key)
    return Indicator(
        custom_code(row.pk),
        row.label,
        row.unit,
        custom_rule(base, row.dimension, key_label, row.description),
        national=False,
        base=row.base,
        dimension=row.dimension,
        key=row.key,
        org_id=row.org_id,
        active=row.status == "active",
    )


def custom_for(user: Any, unit: Any, *, active_only: bool = True) -> list[Indicator]:
    """The custom indicators that apply to ``unit`` (defined by it or a unit above it) and that
    ``user`` may see, oldest first. The caller has checked that the user may see ``unit``."""
    from .models import CustomIndicator

    rows = CustomIndicator.objects.visible_to(user).filter(org_id__in=unit.ancestor_ids())
    if active_only:
        rows = rows.filter(status="active")
    return [from_custom(r) for r in rows.order_by("pk") if r.base in REGISTRY]


def resolve(
    code: str, *, user: Any = None, unit: Any = None, active_only: bool = False
) -> Indicator | None:
    """The indicator of ``code``: a registered one, or a custom one (``c<id>``) the user may see
    and — with ``unit`` — that applies to that unit. ``None`` when there is none."""
    found = REGISTRY.get(str(code or ""))
    if found is not None:
        return found
    pk = custom_pk(code)
    if pk is None or user is None:
        return None
    from .models import CustomIndicator

    rows = CustomIndicator.objects.visible_to(user).filter(pk=pk)
    if unit is not None:
        rows = rows.filter(org_id__in=unit.ancestor_ids())
    if active_only:
        rows = rows.filter(status="active")
    row = rows.first()
    return from_custom(row) if row is not None and row.base in REGISTRY else None


def available(user: Any, unit: Any = None, *, active_only: bool = True) -> list[Indicator]:
    """The registered indicators and the custom ones the user may see (applying to ``unit``
    when given, else every one he may see), in that order."""
    from .models import CustomIndicator

    if unit is not None:
        return [*REGISTRY.values(), *custom_for(user, unit, active_only=active_only)]
    rows = CustomIndicator.objects.visible_to(user)
    if active_only:
        rows = rows.filter(status="active")
    return [
        *REGISTRY.values(),
        *(from_custom(r) for r in rows.order_by("pk") if r.base in REGISTRY),
    ]


ENTERPRISE_DIMS = (Dimension.INDUSTRY, Dimension.REGION, Dimension.SIZE, Dimension.TIER)

register(
    Indicator(
        "person_times",
        "劳模工匠服务人次",
        "人次",
        "服务日期在统计期间内的服务记录；一名工匠参加一次服务计一人次（取参与工匠人数与记录中"
        "点名工匠数的较大者，至少 1）。归属需求的承办单位。",
        dimensions=(Dimension.KIND, *ENTERPRISE_DIMS),
    )
)
register(
    Indicator(
        "enterprises_served",
        "服务企业数",
        "家",
        "一家企业每个自然年计一次：计在它当年第一次服务记录的日期、该记录所属需求的承办单位。"
        "所以下级单位之和等于上级单位。",
        dimensions=ENTERPRISE_DIMS,
    )
)
register(
    Indicator(
        "problems_solved",
        "解决技术难题数",
        "项",
        "办理结果为“已解决”且企业确认已解决的需求，计在企业确认的日期；仅工作人员认定不计，"
        "企业重新打开后再次确认才计。",
        dimensions=(Dimension.KIND, *ENTERPRISE_DIMS),
    )
)
register(
    Indicator(
        "skill_upgrades",
        "技能提升人次",
        "人次",
        "服务记录和工匠学院培训两个来源的技能提升记录，按取证日期计；同一职工（或同一证书）"
        "同一职业同一等级一年只计一次。",
        dimensions=(Dimension.SOURCE, Dimension.LEVEL),
    )
)
register(
    Indicator(
        "workers_trained",
        "培训职工人次",
        "人次",
        "服务日期在统计期间内的服务记录所填培训人数之和（劳模工匠上门培训）。",
        national=False,
        dimensions=(Dimension.KIND, *ENTERPRISE_DIMS),
    )
)
register(
    Indicator(
        "academy_trained",
        "工匠学院培训人次",
        "人次",
        "开班日期在统计期间内、未取消的班次中，有座位且至少出勤一次的学员人次。",
        national=False,
        dimensions=(Dimension.SIZE,),
    )
)
register(
    Indicator(
        "demands_collected",
        "征集需求数",
        "项",
        "提交日期在统计期间内的企业需求（已撤回、已取消的不计），归属需求的承办单位。",
        national=False,
        dimensions=(Dimension.KIND, *ENTERPRISE_DIMS),
    )
)


# ------------------------------------------------------------------------------------------------
# Breakdown keys
# ------------------------------------------------------------------------------------------------


def industry_section(code: str | None) -> str:
    """门类 letter of a GB/T 4754 code of any level (``"3461"`` → ``"C"``); ``""`` if unknown."""
    code = (code or "").strip().upper()
    if not code:
        return ""
    if code[0].isalpha():
        return code[0]
    return section_of(code[:2]) or ""


def region_city(code: str | None) -> str:
    """The 地市 of a GB/T 2260 code (``"440305"`` → ``"440300"``); ``""`` if unknown."""
    code = (code or "").strip()
    return code[:4] + "00" if len(code) == 6 and code.isdigit() else ""


def enterprise_keys(
    industry: str | None, region: str | None, size: str | None, tier: str | None
) -> list[tuple[str, str]]:
    return [
        (Dimension.INDUSTRY, industry_section(industry)),
        (Dimension.REGION, region_city(region)),
        (Dimension.SIZE, size or ""),
        (Dimension.TIER, tier or ""),
    ]


ENTERPRISE_FIELDS = ("industry_code", "region_code", "size_class", "quality_tier")


def _add(out: CellFigures, cell: Cell, indicator: str, value: int, keys: Iterable[Any]) -> None:
    if not value:
        return
    figures = out.setdefault(cell, {})
    total = (indicator, "", "")
    figures[total] = figures.get(total, 0) + value
    for dim, key in keys:
        slot = (indicator, str(dim), str(key))
        figures[slot] = figures.get(slot, 0) + value


# ------------------------------------------------------------------------------------------------
# Sources: each returns the figures of the given cells (every cell when ``cells`` is None)
# ------------------------------------------------------------------------------------------------


def _day_cells_q(org_field: str, day_field: str, cells: Iterable[Cell]) -> Q:
    by_day: dict[dt.date, list[int]] = {}
    for org_id, day in cells:
        by_day.setdefault(day, []).append(org_id)
    q = Q(pk__in=[])
    for day, orgs in by_day.items():
        q |= Q(**{day_field: day, f"{org_field}__in": orgs})
    return q


def _time_cells_q(org_field: str, time_field: str, cells: Iterable[Cell]) -> Q:
    tz = timezone.get_current_timezone()
    by_day: dict[dt.date, list[int]] = {}
    for org_id, day in cells:
        by_day.setdefault(day, []).append(org_id)
    q = Q(pk__in=[])
    for day, orgs in by_day.items():
        low = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        high = low + dt.timedelta(days=1)
        q |= Q(**{f"{time_field}__gte": low, f"{time_field}__lt": high, f"{org_field}__in": orgs})
    return q


def _sessions(cells: set[Cell] | None, out: CellFigures) -> None:
    rows = ServiceRecord.objects.all()
    if cells is not None:
        rows = rows.filter(_day_cells_q("demand__org_id", "date", cells))
    grouped = (
        rows.annotate(people=kpi.session_people())
        .values(
            "demand__org_id",
            "date",
            "demand__kind",
            *(f"demand__enterprise__{f}" for f in ENTERPRISE_FIELDS),
        )
        .annotate(people_n=Sum("people"), trainees_n=Sum("trainees"))
        .order_by()
    )
    for row in grouped:
        cell = (row["demand__org_id"], row["date"])
        keys = [
            (Dimension.KIND, row["demand__kind"] or ""),
            *enterprise_keys(*(row[f"demand__enterprise__{f}"] for f in ENTERPRISE_FIELDS)),
        ]
        _add(out, cell, "person_times", int(row["people_n"] or 0), keys)
        _add(out, cell, "workers_trained", int(row["trainees_n"] or 0), keys)


def _served(cells: set[Cell] | None, out: CellFigures) -> None:
    rows = ServedEnterprise.objects.all()
    if cells is not None:
        rows = rows.filter(_day_cells_q("org_id", "day", cells))
    grouped = (
        rows.values("org_id", "day", *(f"enterprise__{f}" for f in ENTERPRISE_FIELDS))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        keys = enterprise_keys(*(row[f"enterprise__{f}"] for f in ENTERPRISE_FIELDS))
        _add(out, (row["org_id"], row["day"]), "enterprises_served", int(row["n"] or 0), keys)


def _demand_days(
    cells: set[Cell] | None, out: CellFigures, *, field: str, indicator: str, rows: Any
) -> None:
    if cells is not None:
        rows = rows.filter(_time_cells_q("org_id", field, cells))
    else:
        rows = rows.filter(**{f"{field}__isnull": False})
    grouped = (
        rows.annotate(day=TruncDate(field, tzinfo=timezone.get_current_timezone()))
        .values("org_id", "day", "kind", *(f"enterprise__{f}" for f in ENTERPRISE_FIELDS))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        keys = [
            (Dimension.KIND, row["kind"] or ""),
            *enterprise_keys(*(row[f"enterprise__{f}"] for f in ENTERPRISE_FIELDS)),
        ]
        _add(out, (row["org_id"], row["day"]), indicator, int(row["n"] or 0), keys)


def _demands(cells: set[Cell] | None, out: CellFigures) -> None:
    _demand_days(
        cells,
        out,
        field="solved_confirmed_at",
        indicator="problems_solved",
        rows=Demand.objects.all(),
    )
    _demand_days(
        cells,
        out,
        field="submitted_at",
        indicator="demands_collected",
        rows=Demand.objects.exclude(status__in=kpi.NOT_COLLECTED),
    )


def _upgrades(cells: set[Cell] | None, out: CellFigures) -> None:
    rows = SkillUpgrade.objects.filter(counted=True)
    if cells is not None:
        rows = rows.filter(_day_cells_q("org_id", "issued_on", cells))
    grouped = (
        rows.values("org_id", "issued_on", "source", "level_after")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        keys = [(Dimension.SOURCE, row["source"]), (Dimension.LEVEL, row["level_after"] or "")]
        _add(out, (row["org_id"], row["issued_on"]), "skill_upgrades", int(row["n"] or 0), keys)


ACADEMY_SIZE_KEYS = (
    ("trained_sme", "sme"),
    ("trained_large", "large"),
    ("trained_unsized", "unsized"),
    ("trained_no_enterprise", "no_enterprise"),
)


def _classes(cells: set[Cell] | None, out: CellFigures) -> None:
    rows = TrainingClass.objects.exclude(status=ClassStatus.CANCELLED)
    if cells is not None:
        rows = rows.filter(_day_cells_q("org_id", "start_date", cells))
    grouped = (
        rows.values("org_id", "start_date")
        .annotate(
            trained=Sum("tally__trained"),
            **{field: Sum(f"tally__{field}") for field, _ in ACADEMY_SIZE_KEYS},
        )
        .order_by()
    )
    for row in grouped:
        cell = (row["org_id"], row["start_date"])
        total = int(row["trained"] or 0)
        figures = out.setdefault(cell, {}) if total else None
        if figures is None:
            continue
        figures[("academy_trained", "", "")] = figures.get(("academy_trained", "", ""), 0) + total
        for field, key in ACADEMY_SIZE_KEYS:
            value = int(row[field] or 0)
            if value:
                slot = ("academy_trained", Dimension.SIZE.value, key)
                figures[slot] = figures.get(slot, 0) + value


SOURCES: tuple[Callable[[set[Cell] | None, CellFigures], None], ...] = (
    _sessions,
    _served,
    _demands,
    _upgrades,
    _classes,
)


def cell_figures(cells: set[Cell] | None) -> CellFigures:
    """The figures of the given cells (all cells when ``None``), from the raw rows."""
    out: CellFigures = {}
    for source in SOURCES:
        source(cells, out)
    return out
