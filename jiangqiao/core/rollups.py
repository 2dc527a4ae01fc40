"""Figures kept on write: the owners of raw rows say which (unit, day) cells they changed.

The campaign's figures are read from rollups kept per union unit and day (the ``dashboards`` app),
not counted from millions of rows on each request. The apps that own the raw rows (casework's
demands and sessions, the skill upgrades, the academy's classes) report, inside the transaction of
the write, every cell whose figures the write may have changed — the cell the row was in before
and the one it is in after (a session re-dated, a demand transferred to another unit)::

    from jiangqiao.core import rollups

    rollups.changed([(demand.org_id, record.date), (old_org_id, old_date)])

Core keeps only the registry (it knows no app above it): the app that keeps the figures
registers a listener in its ``AppConfig.ready`` and recomputes those cells from the raw rows at
once, in the same transaction, so a figure is never behind a committed write. ``enterprises``
names enterprises whose own attributes changed (industry, size, quality tier): the figures that
are broken down by them are recomputed wherever the enterprise appears.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

Cell = tuple[int, dt.date]
Listener = Callable[[set[Cell], set[int]], None]

_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Register ``listener(cells, enterprise_ids)`` (once; registering it again is a no-op)."""
    if listener not in _listeners:
        _listeners.append(listener)


def unlisten(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def local_day(value: Any) -> dt.date | None:
    """The day of a date or an aware datetime in the current time zone (Asia/Shanghai)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def changed(cells: Iterable[tuple[Any, Any]] = (), *, enterprises: Iterable[Any] = ()) -> None:
    """Tell the listeners that the figures of these (unit id, day or datetime) cells, and of
    these enterprises, may have changed. Cells with no unit or no day are left out."""
    keys: set[Cell] = set()
    for org_id, when in cells:
        day = local_day(when)
        if org_id and day is not None:
            keys.add((int(org_id), day))
    ents = {int(e) for e in enterprises if e}
    if not keys and not ents:
        return
    for listener in tuple(_listeners):
        listener(keys, ents)
