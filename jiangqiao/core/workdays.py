"""The Chinese working-day calendar: count deadlines in 工作日 (working days).

Where a day's status comes from, first match wins:

1. an override row ``core.CalendarDay`` (entered by the system administrator, source 人工);
2. the ``chinesecalendar`` package (source 内置): the 国务院办公厅 holidays and 调休 working
   weekends of every year it ships data for;
3. otherwise Monday–Friday are working days and Saturday/Sunday are not. A year that reaches this
   fallback is *unknown* (``calendar_known(year)`` is false); the first such lookup in a process
   logs a warning, and pages show "2028年节假日安排尚未录入".

A year counts as known when the package covers it or at least one override row lies in it (the
administrator enters the whole 国务院办公厅 notice at once, see docs/deploy.md "工作日历").

Deadlines (all dates are calendar days in Asia/Shanghai):

* ``add_workdays(start, n)`` with ``n >= 1`` gives the n-th working day *after* the day of
  ``start``: the day of ``start`` itself never counts, whether it is a working day or not, and
  whatever the time of day. So a request made on Tuesday 2025-09-30 (any hour) with one working
  day to answer is due on 2025-10-09, the first working day after the 国庆 holiday.
* ``n == 0`` gives the day of ``start`` when it is a working day, else the next working day.
* ``n < 0`` gives the |n|-th working day *before* the day of ``start`` (reminders).
* A ``date`` start returns a ``date``. A ``datetime`` start (aware, or naive meaning Asia/Shanghai)
  returns the *end* of that working day: an aware datetime at 23:59:59.999999 Asia/Shanghai, so
  ``now > deadline`` means overdue and anything done on the due day is on time.
* ``workdays_between(a, b)`` counts the working days ``d`` with ``day(a) < d <= day(b)`` (negative
  when ``b`` is before ``a``), so ``workdays_between(a, add_workdays(a, n)) == n`` for ``n >= 1``.

Overrides are held per process and reloaded only when the calendar changed: a save or delete of a
``CalendarDay`` clears this process's copy at once and bumps a version counter in Django's cache,
which other processes read at most every ``JIANGQIAO_WORKDAYS_RECHECK_SECONDS`` (default 2 s).
Whatever the cache says, a process reloads its copy after ``JIANGQIAO_WORKDAYS_MAX_AGE_SECONDS``
(default 300 s): with a per-process cache (local memory) that is how the others learn of a change.
So after warming, ``is_workday`` costs dictionary look-ups only (the deadline tick calls it for
every open offer).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, overload
from zoneinfo import ZoneInfo

from chinese_calendar import constants as _builtin

from .choices import CalendarSource

logger = logging.getLogger(__name__)

#: The time zone of every calendar day.
CALENDAR_TZ = ZoneInfo("Asia/Shanghai")

VERSION_KEY = "jiangqiao:workdays:version"
#: The status name of a 调休 working weekend.
MAKEUP_WORKDAY = "调休上班"

_HOLIDAY_NAMES: dict[str, str] = {h.value: h.chinese for h in _builtin.Holiday}
BUILTIN_FIRST_YEAR = min(_builtin.holidays).year
BUILTIN_LAST_YEAR = max(_builtin.holidays).year


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says of one date (for pages and reports)."""

    date: dt.date
    is_workday: bool
    name: str  # e.g. 国庆节, 调休上班; "" for an ordinary day
    source: str  # CalendarSource value; "" for an ordinary weekday/weekend
    note: str = ""
    override_id: int | None = None

    @property
    def source_label(self) -> str:
        return str(CalendarSource(self.source).label) if self.source else ""

    @property
    def weekday_label(self) -> str:
        return "星期" + "一二三四五六日"[self.date.weekday()]

    @property
    def is_special(self) -> bool:
        """Differs from the plain Monday–Friday week, or carries a name (holiday, 调休)."""
        return bool(self.name) or self.is_workday != (self.date.weekday() < 5)


@dataclass(frozen=True)
class _Override:
    is_workday: bool
    name: str
    note: str
    pk: int


class _State:
    """This process's copy of the overrides."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.overrides: dict[dt.date, _Override] | None = None
        self.years: frozenset[int] = frozenset()
        self.version: Any = None
        self.checked_at = 0.0
        self.loaded_at = 0.0
        # Writes made in transactions that have not committed yet: read afresh until they have.
        self.pending = 0
        self.warned: set[int] = set()


_state = _State()


def _load() -> dict[dt.date, _Override]:
    from .models import CalendarDay

    rows = CalendarDay.objects.values_list("date", "is_workday", "name", "note", "pk")
    return {d: _Override(w, name, note, pk) for d, w, name, note, pk in rows}


def _cache_version() -> Any:
    from django.core.cache import cache

    try:
        return cache.get(VERSION_KEY)
    except Exception:  # the cache is down: reload rather than serve a stale calendar
        logger.warning("工作日历：读取缓存版本失败", exc_info=True)
        return object()


def _overrides() -> dict[dt.date, _Override]:
    state = _state
    if state.pending:
        from django.db import connection

        if connection.in_atomic_block:
            return _load()
        # Outside any transaction every write is committed (or was rolled back): cache again.
        state.pending = 0
        state.overrides = None
    from django.conf import settings

    recheck = float(getattr(settings, "JIANGQIAO_WORKDAYS_RECHECK_SECONDS", 2))
    now = time.monotonic()
    overrides = state.overrides
    if overrides is not None and now - state.checked_at < recheck:
        return overrides
    version = _cache_version()
    max_age = float(getattr(settings, "JIANGQIAO_WORKDAYS_MAX_AGE_SECONDS", 300))
    with state.lock:
        if state.overrides is None or version != state.version or now - state.loaded_at >= max_age:
            state.overrides = _load()
            state.years = frozenset(d.year for d in state.overrides)
            state.version = version
            state.loaded_at = now
        state.checked_at = now
        return state.overrides


def _override_years() -> frozenset[int]:
    overrides = _overrides()
    if overrides is _state.overrides:
        return _state.years
    return frozenset(d.year for d in overrides)


def invalidate(*, committed: bool = True) -> None:
    """Forget this process's overrides and tell the other processes (bump the cache version).

    Called by the ``CalendarDay`` signals: at once (``committed=False``: until the transaction
    commits, this process reads the table afresh, so a rolled-back write is never cached) and
    again when the transaction commits.
    """
    from django.core.cache import cache

    with _state.lock:
        _state.overrides = None
        _state.checked_at = 0.0
        if committed:
            _state.pending = max(0, _state.pending - 1)
        else:
            _state.pending += 1
    try:
        if cache.add(VERSION_KEY, 1, timeout=None) is False:
            cache.incr(VERSION_KEY)
    except Exception:  # the key expired between add and incr, or the cache is down
        try:
            cache.set(VERSION_KEY, time.time_ns(), timeout=None)
        except Exception:
            logger.warning("工作日历：无法更新缓存版本，其他进程将在重新读取后生效", exc_info=True)


def clear_local_cache() -> None:
    """Drop this process's copy entirely (tests)."""
    global _state
    _state = _State()


def _on_change(sender: Any, **kwargs: Any) -> None:
    from django.db import transaction

    invalidate(committed=False)
    transaction.on_commit(invalidate)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import CalendarDay

    post_save.connect(_on_change, sender=CalendarDay, dispatch_uid="jiangqiao_workdays_save")
    post_delete.connect(_on_change, sender=CalendarDay, dispatch_uid="jiangqiao_workdays_delete")


# --------------------------------------------------------------------------------------------
# Reading the calendar


def builtin_known(year: int) -> bool:
    """Whether the ``chinesecalendar`` package ships the schedule of ``year``."""
    return BUILTIN_FIRST_YEAR <= year <= BUILTIN_LAST_YEAR


def calendar_known(year: int) -> bool:
    """Whether ``year``'s holidays are known (built in, or entered as overrides)."""
    return builtin_known(year) or year in _override_years()


def _builtin_day(day: dt.date) -> tuple[bool, str]:
    """``(is_workday, name)`` from the package (the year must be covered)."""
    if day in _builtin.workdays:
        return True, MAKEUP_WORKDAY
    if day in _builtin.holidays:
        value = _builtin.holidays[day]
        return False, _HOLIDAY_NAMES.get(value, value)
    return day.weekday() < 5, ""


def _warn_unknown(year: int) -> None:
    if year not in _state.warned:
        _state.warned.add(year)
        logger.warning(
            "工作日历：%s年节假日安排尚未录入，按周一至周五上班计算（请在“系统管理 → 工作日历”录入）",
            year,
        )


def _to_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(CALENDAR_TZ)
        return value.date()
    return value


def is_workday(day: dt.date | dt.datetime) -> bool:
    """Whether ``day`` (a datetime is taken in Asia/Shanghai) is a working day."""
    day = _to_date(day)
    override = _overrides().get(day)
    if override is not None:
        return override.is_workday
    if builtin_known(day.year):
        if day in _builtin.workdays:
            return True
        return day.weekday() < 5 and day not in _builtin.holidays
    if day.year not in _override_years():
        _warn_unknown(day.year)
    return day.weekday() < 5


def day_info(day: dt.date | dt.datetime) -> DayInfo:
    """Status, name and source of one date."""
    day = _to_date(day)
    override = _overrides().get(day)
    if override is not None:
        return DayInfo(
            day,
            override.is_workday,
            override.name,
            CalendarSource.MANUAL,
            override.note,
            override.pk,
        )
    if builtin_known(day.year):
        working, name = _builtin_day(day)
        return DayInfo(day, working, name, CalendarSource.BUILTIN if name else "")
    return DayInfo(day, is_workday(day), "", "")


def year_days(year: int) -> list[DayInfo]:
    """Every date of ``year`` with its status (for the month grid)."""
    first = dt.date(year, 1, 1)
    count = (dt.date(year + 1, 1, 1) - first).days
    return [day_info(first + dt.timedelta(days=i)) for i in range(count)]


def special_days(year: int) -> list[DayInfo]:
    """The holidays, 调休 working days and overrides of ``year``, in date order."""
    return [info for info in year_days(year) if info.is_special or info.override_id]


@overload
def add_workdays(start: dt.datetime, n: int) -> dt.datetime: ...
@overload
def add_workdays(start: dt.date, n: int) -> dt.date: ...
def add_workdays(start: dt.date | dt.datetime, n: int) -> dt.date | dt.datetime:
    """The deadline ``n`` working days after ``start`` (see the module docstring).

    ``n >= 1``: the n-th working day after the day of ``start`` (that day never counts);
    ``n == 0``: that day if it is a working day, else the next one; ``n < 0``: the |n|-th working
    day before it. A datetime start gives the end of the due day (23:59:59.999999 Asia/Shanghai).
    """
    day = _to_date(start)
    if n == 0:
        while not is_workday(day):
            day += dt.timedelta(days=1)
    else:
        step = dt.timedelta(days=1 if n > 0 else -1)
        left = abs(n)
        while left:
            day += step
            if is_workday(day):
                left -= 1
    if isinstance(start, dt.datetime):
        return end_of_day(day)
    return day


def workdays_between(a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
    """Working days ``d`` with ``day(a) < d <= day(b)``; negative (the same count) if ``b < a``."""
    start, end = _to_date(a), _to_date(b)
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = 0
    day = start
    one = dt.timedelta(days=1)
    while day < end:
        day += one
        if is_workday(day):
            count += 1
    return sign * count


def age_cutoff(today: dt.date, n: int) -> dt.datetime | None:
    """The moment before which a change is at least ``n`` working days old on ``today``.

    ``workdays_between(t, today) >= n`` exactly when ``t < age_cutoff(today, n)``: the cutoff is
    the start (00:00 Asia/Shanghai) of the n-th working day counting back from ``today``
    (``today`` itself counts when it is a working day). ``None`` for ``n <= 0`` (every change is
    at least 0 days old). Lets a database filter or group rows by age in working days with a plain
    range on a timestamp column instead of counting days row by row.
    """
    if n <= 0:
        return None
    day = today
    left = n
    while True:
        if is_workday(day):
            left -= 1
            if left == 0:
                break
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time.min, tzinfo=CALENDAR_TZ)


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59.999999 Asia/Shanghai of ``day`` (the moment a deadline on that day passes)."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=CALENDAR_TZ)


__all__ = [
    "BUILTIN_FIRST_YEAR",
    "BUILTIN_LAST_YEAR",
    "CALENDAR_TZ",
    "MAKEUP_WORKDAY",
    "DayInfo",
    "add_workdays",
    "age_cutoff",
    "builtin_known",
    "calendar_known",
    "day_info",
    "end_of_day",
    "is_workday",
    "special_days",
    "workdays_between",
    "year_days",
]
