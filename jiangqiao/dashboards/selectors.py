"""Reads of the campaign's figures against the yearly targets (the cockpit, the report, the API).

Every figure is read from the rollups (``DailyFigure`` for the days of a partial month,
``MonthlyFigure`` for whole months) through ``visible_to`` — the data scope — and the unit's
subtree, so a county sees itself and below only. The counting rules are docs/kpi.md; the
rollups are kept equal to a recount by ``rollups.py``.

:func:`cockpit` is the one answer the pages and the report share: actual vs target to date, the
expected pace (linear, and seasonal where last year's monthly shape exists), the status colour,
the units below ranked by completion, and the trend by month. It is cached per user, unit and
period under the unit's figure version (bumped on every write below it) and the user's access key
(his roles, scopes and permissions: a change of those is a new key at once); so are the
breakdowns. The process figures (:func:`process`) are counted from the raw rows — offers and
contacts change them, which the rollups do not follow — and are cached for
``PROCESS_CACHE_SECONDS`` besides.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest, StrIndex, Substr
from django.utils import timezone

from jiangqiao.core.scope import access_key, subtree_q
from jiangqiao.orgs.models import Organization

from . import indicators as registry
from .choices import AHEAD_RATIO, SLOW_RATIO, Campaign, Pace
from .models import DailyFigure, MonthlyFigure, Target
from .rollups import month_end, month_of, scope_version

CACHE_SECONDS = 600
#: The process figures are at most this old (the panel says when they were counted).
PROCESS_CACHE_SECONDS = 300

T = TypeVar("T")


def _cached(
    name: str,
    user: Any,
    unit: Organization,
    parts: Iterable[Any],
    compute: Callable[[], T],
    seconds: int = CACHE_SECONDS,
) -> T:
    """``compute()`` cached under the user's access key and the unit's figure version."""
    key = ":".join(
        str(p)
        for p in ("dashboards", name, access_key(user), unit.pk, *parts, scope_version(unit.pk))
    )
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, seconds)
    return value


# ------------------------------------------------------------------------------------------------
# Periods → whole months and loose days
# ------------------------------------------------------------------------------------------------


def split_period(
    start: dt.date, end: dt.date
) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
    """The whole months within [start, end] and the day ranges left at either edge."""
    months: list[dt.date] = []
    days: list[tuple[dt.date, dt.date]] = []
    if end < start:
        return months, days
    cursor = start
    while cursor <= end:
        month = month_of(cursor)
        last = month_end(month)
        if cursor == month and last <= end:
            months.append(month)
        else:
            days.append((cursor, min(last, end)))
        cursor = last + dt.timedelta(days=1)
    return months, days


def _period_q(start: dt.date, end: dt.date) -> tuple[Q, Q]:
    months, days = split_period(start, end)
    month_q = Q(month__in=months) if months else Q(pk__in=[])
    day_q = Q(pk__in=[])
    for low, high in days:
        day_q |= Q(day__gte=low, day__lte=high)
    return month_q, day_q


def _figures(model: Any, user: Any, unit: Organization) -> QuerySet[Any]:
    return model.objects.visible_to(user, "view").filter(  # type: ignore[no-any-return]
        subtree_q(unit.path, field="org")
    )


def sums(
    *,
    user: Any,
    unit: Organization,
    start: dt.date,
    end: dt.date,
    group: Iterable[str] = (),
    dimension: str = "",
    indicators: Iterable[str] | None = None,
    annotate: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Figures of ``unit``'s subtree in [start, end] the user may see, summed by ``group``
    (fields of the rollup: ``org_id``, ``indicator``, ``key``, or names of ``annotate``;
    ``month`` is not allowed — use :func:`by_month`). ``dimension`` "" reads the totals."""
    group = tuple(group)
    month_q, day_q = _period_q(start, end)
    out: dict[tuple[Any, ...], int] = {}
    for model, q in ((MonthlyFigure, month_q), (DailyFigure, day_q)):
        rows = _figures(model, user, unit).filter(q, dimension=dimension)
        if annotate:
            rows = rows.annotate(**annotate)
        if indicators is not None:
            rows = rows.filter(indicator__in=list(indicators))
        for row in rows.values(*group).annotate(total=Sum("value")).order_by():
            key = tuple(row[g] for g in group)
            out[key] = out.get(key, 0) + int(row["total"] or 0)
    return [{**dict(zip(group, key, strict=True)), "value": value} for key, value in out.items()]


def totals(*, user: Any, unit: Organization, start: dt.date, end: dt.date) -> dict[str, int]:
    """``{indicator: value}`` of the unit's subtree in the period."""
    return {
        r["indicator"]: r["value"]
        for r in sums(user=user, unit=unit, start=start, end=end, group=("indicator",))
    }


def by_month(*, user: Any, unit: Organization, year: int) -> dict[str, list[int]]:
    """``{indicator: [Jan … Dec]}`` of the unit's subtree in ``year``."""
    return by_months(user=user, unit=unit, first=year, last=year).get(year, {})


def by_months(
    *, user: Any, unit: Organization, first: int, last: int
) -> dict[int, dict[str, list[int]]]:
    """``{year: {indicator: [Jan … Dec]}}`` of the unit's subtree, years ``first``–``last``, in
    one query (the cockpit reads this year's trend and last year's shape together)."""
    out: dict[int, dict[str, list[int]]] = {}
    rows = (
        _figures(MonthlyFigure, user, unit)
        .filter(dimension="", month__gte=dt.date(first, 1, 1), month__lte=dt.date(last, 12, 31))
        .values("indicator", "month")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for row in rows:
        year = out.setdefault(row["month"].year, {})
        year.setdefault(row["indicator"], [0] * 12)[row["month"].month - 1] += int(row["total"])
    return out


def _slots_q(customs: Iterable[registry.Indicator]) -> Q:
    """The rollup rows of the custom indicators' breakdown keys."""
    q = Q(pk__in=[])
    for ind in customs:
        q |= Q(indicator=ind.base, dimension=ind.dimension, key=ind.key)
    return q


def _by_slot(customs: Iterable[registry.Indicator]) -> dict[tuple[str, str, str], list[str]]:
    out: dict[tuple[str, str, str], list[str]] = {}
    for ind in customs:
        out.setdefault((ind.base, ind.dimension, ind.key), []).append(ind.code)
    return out


def custom_sums(
    *,
    user: Any,
    unit: Organization,
    start: dt.date,
    end: dt.date,
    customs: list[registry.Indicator],
    group: Iterable[str] = (),
    annotate: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """As :func:`sums` for custom indicators (``indicators.custom_for``): each one's figure is
    its base indicator's rollup rows of its breakdown key; rows carry the custom ``indicator``
    code. One query per rollup table, whatever the number of custom indicators."""
    if not customs:
        return []
    group = tuple(group)
    slots = _by_slot(customs)
    month_q, day_q = _period_q(start, end)
    out: dict[tuple[Any, ...], int] = {}
    for model, q in ((MonthlyFigure, month_q), (DailyFigure, day_q)):
        rows = _figures(model, user, unit).filter(q, _slots_q(customs))
        if annotate:
            rows = rows.annotate(**annotate)
        fields = (*group, "indicator", "dimension", "key")
        for row in rows.values(*fields).annotate(total=Sum("value")).order_by():
            for code in slots.get((row["indicator"], row["dimension"], row["key"]), []):
                key = (*(row[g] for g in group), code)
                out[key] = out.get(key, 0) + int(row["total"] or 0)
    return [
        {**dict(zip(group, key[:-1], strict=True)), "indicator": key[-1], "value": value}
        for key, value in out.items()
    ]


def custom_months(
    *, user: Any, unit: Organization, first: int, last: int, customs: list[registry.Indicator]
) -> dict[int, dict[str, list[int]]]:
    """As :func:`by_months` for custom indicators (one query)."""
    out: dict[int, dict[str, list[int]]] = {}
    if not customs:
        return out
    slots = _by_slot(customs)
    rows = (
        _figures(MonthlyFigure, user, unit)
        .filter(
            _slots_q(customs), month__gte=dt.date(first, 1, 1), month__lte=dt.date(last, 12, 31)
        )
        .values("indicator", "dimension", "key", "month")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for row in rows:
        year = out.setdefault(row["month"].year, {})
        for code in slots.get((row["indicator"], row["dimension"], row["key"]), []):
            year.setdefault(code, [0] * 12)[row["month"].month - 1] += int(row["total"])
    return out


def breakdown(
    *, user: Any, unit: Organization, start: dt.date, end: dt.date, dimension: str
) -> dict[str, dict[str, int]]:
    """``{indicator: {key: value}}`` of one breakdown (``Dimension``) of the unit's subtree."""

    def compute() -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for row in sums(
            user=user,
            unit=unit,
            start=start,
            end=end,
            group=("indicator", "key"),
            dimension=dimension,
        ):
            out.setdefault(row["indicator"], {})[row["key"]] = row["value"]
        return out

    return _cached("breakdown", user, unit, (start, end, dimension), compute)


def process(*, user: Any, unit: Organization, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The process figures of docs/kpi.md §2 (``casework.kpi.process_figures``) of the unit's
    subtree, with ``counted_at``: the moment they were counted (at most ``PROCESS_CACHE_SECONDS``
    ago). The national figures are the rollups' (``cockpit``), not counted again here."""
    from jiangqiao.casework import kpi

    def compute() -> dict[str, Any]:
        return {
            **kpi.process_figures(user=user, org=unit, start=start, end=end),
            "counted_at": timezone.now(),
        }

    return _cached(
        "process", user, unit, (start, end, timezone.localdate()), compute, PROCESS_CACHE_SECONDS
    )


# ------------------------------------------------------------------------------------------------
# Pace
# ------------------------------------------------------------------------------------------------


def linear_share(day: dt.date) -> float:
    """The share of the year gone by at the end of ``day``."""
    days = 366 if calendar.isleap(day.year) else 365
    return day.timetuple().tm_yday / days


def seasonal_share(day: dt.date, last_year: list[int] | None) -> float | None:
    """The share of last year's total done by the same date (months whole, the current month in
    proportion to its days gone by); ``None`` without last year's shape."""
    if not last_year or sum(last_year) <= 0:
        return None
    total = sum(last_year)
    done = float(sum(last_year[: day.month - 1]))
    month_days = calendar.monthrange(day.year, day.month)[1]
    done += last_year[day.month - 1] * day.day / month_days
    return done / total


def pace_of(actual: int, expected: float | None, target: int | None) -> str:
    if not target:
        return Pace.NO_TARGET
    if expected is None or expected <= 0:
        return Pace.ON_TRACK
    ratio = actual / expected
    if ratio >= AHEAD_RATIO:
        return Pace.AHEAD
    if ratio >= 1:
        return Pace.ON_TRACK
    if ratio >= SLOW_RATIO:
        return Pace.SLOW
    return Pace.BEHIND


def ratio(part: float, whole: float | None) -> float | None:
    """``part / whole``, or ``None`` when there is nothing to divide by."""
    return part / whole if whole else None


# ------------------------------------------------------------------------------------------------
# The cockpit
# ------------------------------------------------------------------------------------------------


@dataclass
class Standing:
    """One indicator of one unit: actual, target, expected by the date, completion, status."""

    indicator: registry.Indicator
    actual: int
    target: int | None
    expected_linear: float | None = None
    expected_seasonal: float | None = None

    @property
    def expected(self) -> float | None:
        return (
            self.expected_seasonal if self.expected_seasonal is not None else self.expected_linear
        )

    @property
    def completion(self) -> float | None:
        return ratio(self.actual, self.target)

    @property
    def pace(self) -> str:
        return pace_of(self.actual, self.expected, self.target)

    @property
    def gap(self) -> int | None:
        """How far behind the expected pace (positive) or ahead (negative), in units."""
        return None if self.expected is None else round(self.expected - self.actual)


@dataclass
class UnitRow:
    unit: Organization
    standings: dict[str, Standing]

    def completion(self, code: str) -> float | None:
        st = self.standings.get(code)
        return st.completion if st else None


@dataclass
class Cockpit:
    unit: Organization
    campaign: str
    year: int
    start: dt.date
    end: dt.date
    #: The date the pace is judged at (the end of the period, or today within it).
    as_of: dt.date
    standings: list[Standing]
    children: list[UnitRow]
    #: ``{indicator: [12 months]}`` of this year and of last year.
    trend: dict[str, list[int]]
    last_year: dict[str, list[int]]
    other: dict[str, int] = field(default_factory=dict)

    def indicator(self, code: str) -> registry.Indicator | None:
        """A registered indicator, or a custom one shown on this cockpit."""
        return next((s.indicator for s in self.standings if s.indicator.code == code), None)

    @property
    def is_empty(self) -> bool:
        return not any(s.actual for s in self.standings) and not any(
            s.target for s in self.standings
        )

    def ranked(self, code: str) -> list[UnitRow]:
        """The units below by completion of ``code`` (lowest first: who is behind)."""
        with_target = [r for r in self.children if r.completion(code) is not None]
        without = [r for r in self.children if r.completion(code) is None]
        with_target.sort(key=lambda r: (r.completion(code) or 0.0, r.unit.name))
        return with_target + sorted(without, key=lambda r: r.unit.name)


def _targets(
    user: Any, org_ids: Iterable[int], campaign: str, year: int
) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    rows = (
        Target.objects.visible_to(user, "view")
        .filter(org_id__in=list(org_ids), campaign=campaign, year=year)
        .values_list("org_id", "indicator", "value")
    )
    for org_id, code, value in rows:
        out.setdefault(org_id, {})[code] = int(value)
    return out


def _standing(
    indicator: registry.Indicator,
    actual: int,
    target: int | None,
    window: tuple[dt.date, dt.date],
    shape: list[int] | None,
) -> Standing:
    """Expected = the target × the share of the year between the period's start and ``as_of``
    (a period that starts on 1 January: the share of the year gone by)."""
    start, as_of = window
    linear = seasonal = None
    if target:
        before = start - dt.timedelta(days=1)
        same_year = before.year == as_of.year
        linear = target * (linear_share(as_of) - (linear_share(before) if same_year else 0))
        share = seasonal_share(as_of, shape)
        if share is not None:
            prior = seasonal_share(before, shape) if same_year else 0.0
            seasonal = target * (share - (prior or 0.0))
    return Standing(indicator, actual, target, linear, seasonal)


def child_units(*, user: Any, unit: Organization) -> list[Organization]:
    return list(
        Organization.objects.visible_to(user, "view")
        .filter(parent=unit)
        .order_by("sort", "region_code", "pk")
        .only("pk", "name", "path", "depth", "level", "parent_id", "region_code")
    )


def child_key(unit: Organization) -> Any:
    """SQL: the id (as text) of the child of ``unit`` whose subtree a rollup row's unit lies in
    — the path segment after ``unit.path`` — or "" for the unit's own rows. The cockpit sums by
    it, so a province gets one row per city and indicator instead of one per unit below."""
    rest = Substr("org__path", len(unit.path) + 1)
    return Substr(rest, 1, Greatest(StrIndex(rest, Value("/")) - 1, 0))


def cockpit(
    *,
    user: Any,
    unit: Organization,
    year: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    campaign: str = Campaign.ZHUQIXING,
    today: dt.date | None = None,
) -> Cockpit:
    """The unit's standing in ``year`` (or the period [start, end] within it)."""
    today = today or timezone.localdate()
    start = start or dt.date(year, 1, 1)
    end = end or dt.date(year, 12, 31)
    customs = registry.custom_for(user, unit)
    return _cached(
        "cockpit",
        user,
        unit,
        (campaign, year, start, end, today, customs_key(customs)),
        lambda: _cockpit(user, unit, year, start, end, campaign, today, customs),
    )


def customs_key(customs: list[registry.Indicator]) -> str:
    """A short digest of the custom indicators a cockpit shows: a definition added, changed or
    retired above the unit is seen at once (the unit's figure version does not follow it)."""
    import hashlib

    text = repr([(i.code, i.label, i.base, i.dimension, i.key, i.rule) for i in customs])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _cockpit(
    user: Any,
    unit: Organization,
    year: int,
    start: dt.date,
    end: dt.date,
    campaign: str,
    today: dt.date,
    customs: list[registry.Indicator] | None = None,
) -> Cockpit:
    as_of = min(max(today, start), end)
    customs = customs or []
    per_child = sums(
        user=user,
        unit=unit,
        start=start,
        end=end,
        group=("child", "indicator"),
        annotate={"child": child_key(unit)},
    ) + custom_sums(
        user=user,
        unit=unit,
        start=start,
        end=end,
        customs=customs,
        group=("child",),
        annotate={"child": child_key(unit)},
    )
    children = child_units(user=user, unit=unit)
    child_ids = {c.pk for c in children}
    total: dict[str, int] = {}
    by_child: dict[int, dict[str, int]] = {c.pk: {} for c in children}
    other: dict[str, int] = {}
    for row in per_child:
        code, value = row["indicator"], row["value"]
        total[code] = total.get(code, 0) + value
        child = int(row["child"]) if row["child"] else None
        if child in child_ids:
            by_child[child][code] = by_child[child].get(code, 0) + value  # type: ignore[index]
        elif child is not None:
            other[code] = other.get(code, 0) + value  # units below he may not see by name
    years = by_months(user=user, unit=unit, first=year - 1, last=year)
    for y, codes in custom_months(
        user=user, unit=unit, first=year - 1, last=year, customs=customs
    ).items():
        years.setdefault(y, {}).update(codes)
    trend, last_year = years.get(year, {}), years.get(year - 1, {})
    targets = _targets(user, [unit.pk, *child_ids], campaign, year)
    own_targets = targets.get(unit.pk, {})
    shown = [*registry.REGISTRY.values(), *customs]
    standings = [
        _standing(
            ind,
            total.get(ind.code, 0),
            own_targets.get(ind.code),
            (start, as_of),
            last_year.get(ind.code),
        )
        for ind in shown
    ]
    rows = [
        UnitRow(
            child,
            {
                ind.code: _standing(
                    ind,
                    by_child[child.pk].get(ind.code, 0),
                    targets.get(child.pk, {}).get(ind.code),
                    (start, as_of),
                    None,
                )
                for ind in shown
            },
        )
        for child in children
    ]
    return Cockpit(
        unit=unit,
        campaign=campaign,
        year=year,
        start=start,
        end=end,
        as_of=as_of,
        standings=standings,
        children=rows,
        trend=trend,
        last_year=last_year,
        other=other,
    )
