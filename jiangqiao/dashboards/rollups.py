"""The figure rollups, kept on write and rebuildable (issue 16 point 5).

* :func:`on_changed` is the listener of ``jiangqiao.core.rollups``: casework and the academy
  report the (unit, day) cells their writes touched, inside their transaction; the cells are
  recomputed from the raw rows at once (``indicators.cell_figures``) and the month rows of those
  units follow. A unit's month is recomputed under its :class:`RollupLock` row, so two
  concurrent writes into one unit's month are serialised and neither stores a stale sum.
* :func:`served_refresh` keeps 服务企业数's first session of the year per enterprise.
* :func:`rebuild` recomputes everything from the raw rows (``manage.py rollups_rebuild``): after
  a bulk load that bypassed the services, or to check. Run during writes it still ends equal to a
  recount: each unit-month is rebuilt under the same lock the writers take.
* Every change bumps the cache version of the unit and its ancestors (:func:`scope_version`), so
  a cached cockpit of any unit above is stale at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jiangqiao.casework.models import ServiceRecord
from jiangqiao.orgs.models import Organization

from .indicators import Cell, CellFigures, cell_figures
from .models import DailyFigure, MonthlyFigure, RollupLock, ServedEnterprise

CACHE_PREFIX = "dashboards:v:"


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _purge(rows: QuerySet[Any]) -> int:
    """Delete ``rows`` in one statement. ``QuerySet.delete()`` would first load every row: the
    change log listens to the deletes of every model (``core.changelog``), so Django cannot
    fast-delete, and at province size that cost more than the rest of a refresh. The rollups are
    derived rows — not audited, nothing points at them — so nothing is lost."""
    return rows._raw_delete(rows.db)


# ------------------------------------------------------------------------------------------------
# Cache versions per unit
# ------------------------------------------------------------------------------------------------


def scope_version(org_id: int) -> int:
    """The cache version of ``org_id``'s figures (its subtree's): bumped on every change below."""
    return int(cache.get(f"{CACHE_PREFIX}{org_id}") or 0)


def _bump(org_ids: Iterable[int]) -> None:
    ids = set(org_ids)
    if not ids:
        return
    paths = Organization.objects.filter(pk__in=ids).values_list("path", flat=True)
    everyone: set[int] = set(ids)
    for path in paths:
        everyone.update(int(p) for p in path.strip("/").split("/") if p)
    stamp = timezone.now().timestamp()

    def bump() -> None:
        cache.set_many({f"{CACHE_PREFIX}{pk}": stamp for pk in everyone}, None)

    # After commit: a reader must not cache the old figures under the new version. Bump now too
    # (the writer's own later reads in this transaction must not see a stale cache).
    bump()
    transaction.on_commit(bump)


# ------------------------------------------------------------------------------------------------
# 服务企业数: the first session of the year per enterprise
# ------------------------------------------------------------------------------------------------


def served_refresh(keys: Iterable[tuple[int, int]]) -> set[Cell]:
    """Recompute the first session of each (enterprise, year); return the cells it left and
    the cells it moved to (their 服务企业数 changes)."""
    touched: set[Cell] = set()
    for enterprise_id, year in sorted(set(keys)):
        first = (
            ServiceRecord.objects.filter(demand__enterprise_id=enterprise_id, date__year=year)
            .order_by("date", "pk")
            .values("demand__org_id", "date")
            .first()
        )
        row = ServedEnterprise.objects.filter(enterprise_id=enterprise_id, year=year).first()
        if row is not None and (
            first is None or (row.org_id, row.day) != (first["demand__org_id"], first["date"])
        ):
            touched.add((row.org_id, row.day))
            if first is None:
                row.delete()
                continue
        if first is None:
            continue
        cell = (first["demand__org_id"], first["date"])
        if row is None:
            ServedEnterprise.objects.create(
                enterprise_id=enterprise_id, year=year, org_id=cell[0], day=cell[1]
            )
        elif (row.org_id, row.day) != cell:
            row.org_id, row.day = cell
            row.save(update_fields=["org", "day"])
        else:
            continue
        touched.add(cell)
    return touched


def _served_keys(cells: set[Cell], enterprises: set[int]) -> set[tuple[int, int]]:
    """The (enterprise, year) pairs whose first session may have moved into or out of ``cells``."""
    from .indicators import _day_cells_q

    keys: set[tuple[int, int]] = set()
    if cells:
        for ent, day in (
            ServiceRecord.objects.filter(_day_cells_q("demand__org_id", "date", cells))
            .values_list("demand__enterprise_id", "date")
            .distinct()
        ):
            keys.add((ent, day.year))
        keys.update(
            ServedEnterprise.objects.filter(_day_cells_q("org_id", "day", cells)).values_list(
                "enterprise_id", "year"
            )
        )
    return keys


# ------------------------------------------------------------------------------------------------
# Cells
# ------------------------------------------------------------------------------------------------


def _lock(org_id: int, month: dt.date) -> None:
    RollupLock.objects.get_or_create(org_id=org_id, month=month)
    RollupLock.objects.select_for_update().filter(org_id=org_id, month=month).update(
        refreshed_at=timezone.now()
    )


def _store_month(org_id: int, month: dt.date) -> None:
    """The unit's month rows = the sum of its day rows of that month (under the month lock)."""
    sums = (
        DailyFigure.objects.filter(org_id=org_id, day__gte=month, day__lte=month_end(month))
        .values("indicator", "dimension", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    _purge(MonthlyFigure.objects.filter(org_id=org_id, month=month))
    MonthlyFigure.objects.bulk_create(
        [
            MonthlyFigure(
                org_id=org_id,
                month=month,
                indicator=row["indicator"],
                dimension=row["dimension"],
                key=row["key"],
                value=row["total"],
            )
            for row in sums
            if row["total"]
        ]
    )


def refresh_cells(cells: Iterable[Cell]) -> int:
    """Recompute the given cells and their units' months from the raw rows (inside the caller's
    transaction). Returns the number of cells."""
    wanted = {c for c in cells if c[0] and c[1]}
    if not wanted:
        return 0
    with transaction.atomic():
        months = sorted({(org, month_of(day)) for org, day in wanted})
        for org_id, month in months:  # a fixed order: no deadlock between two writers
            _lock(org_id, month)
        figures = cell_figures(wanted)
        for org_id, day in sorted(wanted):
            _purge(DailyFigure.objects.filter(org_id=org_id, day=day))
            DailyFigure.objects.bulk_create(
                [
                    DailyFigure(
                        org_id=org_id,
                        day=day,
                        indicator=ind,
                        dimension=dim,
                        key=key,
                        value=value,
                    )
                    for (ind, dim, key), value in sorted(figures.get((org_id, day), {}).items())
                ]
            )
        for org_id, month in months:
            _store_month(org_id, month)
        _bump({org for org, _ in wanted})
    return len(wanted)


def on_changed(cells: set[Cell], enterprises: set[int]) -> None:
    """The listener of ``core.rollups.changed``: recompute what a write touched."""
    with transaction.atomic():
        wanted = set(cells)
        if enterprises:
            wanted |= cells_of_enterprises(enterprises)
        wanted |= served_refresh(_served_keys(wanted, enterprises))
        refresh_cells(wanted)


def cells_of_enterprises(enterprise_ids: Iterable[int]) -> set[Cell]:
    """Every cell an enterprise's rows fall in (its attributes feed the breakdowns)."""
    from jiangqiao.demands.models import Demand

    ids = list(enterprise_ids)
    out: set[Cell] = set()
    out.update(
        ServiceRecord.objects.filter(demand__enterprise_id__in=ids)
        .values_list("demand__org_id", "date")
        .distinct()
    )
    out.update(ServedEnterprise.objects.filter(enterprise_id__in=ids).values_list("org_id", "day"))
    for field in ("submitted_at", "solved_confirmed_at"):
        for org_id, when in Demand.objects.filter(
            enterprise_id__in=ids, **{f"{field}__isnull": False}
        ).values_list("org_id", field):
            out.add((org_id, timezone.localtime(when).date()))
    return out


# ------------------------------------------------------------------------------------------------
# Rebuild
# ------------------------------------------------------------------------------------------------


def served_rebuild() -> int:
    """Recompute every enterprise's first session of each year (set-based)."""
    firsts: dict[tuple[int, int], tuple[dt.date, int, int]] = {}
    rows = (
        ServiceRecord.objects.values_list("demand__enterprise_id", "date", "pk", "demand__org_id")
        .order_by("demand__enterprise_id", "date", "pk")
        .iterator(chunk_size=20000)
    )
    for ent, day, pk, org in rows:
        key = (ent, day.year)
        if key not in firsts:
            firsts[key] = (day, pk, org)
    with transaction.atomic():
        _purge(ServedEnterprise.objects.all())
        ServedEnterprise.objects.bulk_create(
            [
                ServedEnterprise(enterprise_id=e, year=y, org_id=org, day=day)
                for (e, y), (day, _pk, org) in firsts.items()
            ],
            batch_size=5000,
        )
    return len(firsts)


def _month_cells(org_id: int, month: dt.date) -> set[Cell]:
    return {(org_id, month + dt.timedelta(days=i)) for i in range(month_end(month).day)}


def _months_q(months: Iterable[dt.date], field: str = "day") -> Q:
    q = Q(pk__in=[])
    for month in months:
        q |= Q(**{f"{field}__gte": month, f"{field}__lte": month_end(month)})
    return q


def _rebuild_unit(
    org_id: int, months: dict[dt.date, list[Cell]], figures: CellFigures, started: dt.datetime
) -> None:
    """Store the scanned figures of one unit's months, under their locks (in month order, the
    order writers take them in too). A month a writer touched since the scan began is recounted."""
    keys = sorted(months)
    RollupLock.objects.bulk_create(
        [RollupLock(org_id=org_id, month=m) for m in keys], ignore_conflicts=True
    )
    locks = (
        RollupLock.objects.select_for_update()
        .filter(org_id=org_id, month__in=keys)
        .order_by("month")
        .values_list("month", "refreshed_at")
    )
    touched = {m for m, at in locks if at is not None and at >= started}
    fresh: CellFigures = {
        cell: figures[cell] for m in keys if m not in touched for cell in months[m]
    }
    if touched:  # a writer came by: recount those months
        fresh.update(cell_figures(set().union(*(_month_cells(org_id, m) for m in touched))))
    _purge(DailyFigure.objects.filter(_months_q(keys), org_id=org_id))
    _insert(
        DailyFigure,
        ("org_id", "day", "indicator", "dimension", "key", "value"),
        (
            (o, d, ind, dim, key, value)
            for (o, d), values in fresh.items()
            for (ind, dim, key), value in values.items()
        ),
    )
    # The month rows: the sums of the day rows just stored (as ``_store_month`` makes them).
    sums: dict[tuple[dt.date, str, str, str], int] = {}
    for (_o, day), values in fresh.items():
        month = month_of(day)
        for slot, value in values.items():
            sums[(month, *slot)] = sums.get((month, *slot), 0) + value
    _purge(MonthlyFigure.objects.filter(_months_q(keys, "month"), org_id=org_id))
    _insert(
        MonthlyFigure,
        ("org_id", "month", "indicator", "dimension", "key", "value"),
        ((org_id, m, ind, dim, key, v) for (m, ind, dim, key), v in sums.items() if v),
    )


def _insert(model: Any, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """INSERT plain tuples, many rows per statement (a rebuild writes millions of rows: a model
    instance per row, or a statement per row, cost more than the database's work)."""
    qn = connection.ops.quote_name
    table, names = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608 (names from the model)
    one = f"({', '.join(['%s'] * len(columns))})"
    limit = connection.features.max_query_params
    size = 2000 if limit is None else max(1, limit // len(columns))
    batch = list(rows)
    with connection.cursor() as cur:
        for i in range(0, len(batch), size):
            chunk = batch[i : i + size]
            cur.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])


def rebuild(*, progress: Any = None) -> dict[str, int]:
    """Recompute every rollup from the raw rows, one unit at a time (all its months in one
    transaction, under their locks), so writes may go on meanwhile: a month a writer touched
    after the scan started (its lock row's ``refreshed_at``) is recounted under the lock instead
    of taken from the scan, and the first sessions of the year of those months are derived again
    at the end. (One transaction per unit, not per unit-month: at province size — 50,000
    unit-months — the per-month round trips and commits took most of the time; docs/performance.md.)"""
    started = timezone.now()
    served = served_rebuild()
    figures = cell_figures(None)
    units: dict[int, dict[dt.date, list[Cell]]] = {}
    for cell in figures:
        units.setdefault(cell[0], {}).setdefault(month_of(cell[1]), []).append(cell)
    # Months that have rows today but no figures any more are emptied too.
    for org_id, month in (
        DailyFigure.objects.annotate(m=TruncMonth("day"))
        .values_list("org_id", "m")
        .distinct()
        .order_by()
    ):
        units.setdefault(org_id, {}).setdefault(month, [])
    total = sum(len(months) for months in units.values())
    done = 0
    for n, org_id in enumerate(sorted(units), 1):
        with transaction.atomic():
            _rebuild_unit(org_id, units[org_id], figures, started)
        done += len(units[org_id])
        if progress is not None and (n % 50 == 0 or done == total):
            progress(done, total)
    # Writers during the rebuild: derive their months' first sessions again and recount.
    touched = RollupLock.objects.filter(refreshed_at__gte=started).values_list("org_id", "month")
    cells: set[Cell] = set()
    for org_id, month in touched:
        cells |= _month_cells(org_id, month)
    if cells:
        on_changed(cells, set())
    _bump(units)
    return {
        "served_enterprises": served,
        "unit_months": total,
        "daily_rows": DailyFigure.objects.count(),
        "monthly_rows": MonthlyFigure.objects.count(),
    }


def first_day() -> dt.date | None:
    """The earliest day with figures (for an honest empty state)."""
    return DailyFigure.objects.aggregate(d=Min("day"))["d"]  # type: ignore[no-any-return]
