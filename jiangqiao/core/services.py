"""Writes to core's own configuration: the working-day calendar (``CalendarDay`` overrides).

Every function is atomic, checks the actor's functional permission (``actor=None`` is the system,
e.g. a management command) and is audited: the change log gets a row per saved or deleted day
(``AuditedModel``), the operation log one row per action. Reads are in ``core.workdays``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from .choices import BusinessType, CalendarSource
from .exceptions import BusinessError
from .models import CalendarDay
from .operations import record_operation

MODULE = "工作日历"
#: A pasted line's date range may span at most this many days (catches a mistyped year or month).
MAX_RANGE_DAYS = 31
#: At most this many lines in one paste (a year's notice has about twenty).
MAX_LINES = 400

HOLIDAY_WORDS = {"休", "放假", "休息", "假"}
WORKDAY_WORDS = {"班", "上班"}


def _require(actor: Any, action: str) -> None:
    if actor is not None and not actor.has_perm(f"core.{action}_calendarday"):
        raise PermissionDenied("您没有维护工作日历的权限")


def _kind(is_workday: bool) -> str:
    return "上班" if is_workday else "放假"


def _clean_name(name: str, note: str) -> tuple[str, str]:
    name, note = (name or "").strip(), (note or "").strip()
    if not name:
        raise BusinessError("请填写名称，如“国庆节”或“调休上班”", field="name")
    return name, note


@transaction.atomic
def calendarday_create(
    *, actor: Any, date: dt.date, is_workday: bool, name: str, note: str = ""
) -> CalendarDay:
    """Add an override for ``date`` (one per date)."""
    _require(actor, "add")
    name, note = _clean_name(name, note)
    if CalendarDay.objects.filter(date=date).exists():
        raise BusinessError(f"{date.isoformat()} 已有调整记录，请直接修改该记录", field="date")
    day = CalendarDay(
        date=date,
        is_workday=is_workday,
        name=name,
        note=note,
        source=CalendarSource.MANUAL,
        created_by=actor,
        updated_by=actor,
    )
    day.full_clean()
    day.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"新增工作日历调整：{date.isoformat()} {name}（{_kind(is_workday)}）",
        target=day,
    )
    return day


@transaction.atomic
def calendarday_update(
    *,
    actor: Any,
    day: CalendarDay,
    date: dt.date,
    is_workday: bool,
    name: str,
    note: str = "",
) -> CalendarDay:
    """Change an override (its date too)."""
    _require(actor, "change")
    day = CalendarDay.objects.select_for_update().get(pk=day.pk)
    name, note = _clean_name(name, note)
    if date != day.date and CalendarDay.objects.filter(date=date).exists():
        raise BusinessError(f"{date.isoformat()} 已有调整记录，请直接修改该记录", field="date")
    day.date, day.is_workday, day.name, day.note = date, is_workday, name, note
    day.updated_by = actor
    day.full_clean()
    day.save()
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.UPDATE,
        action=f"修改工作日历调整：{date.isoformat()} {name}（{_kind(is_workday)}）",
        target=day,
    )
    return day


@transaction.atomic
def calendarday_delete(*, actor: Any, day: CalendarDay) -> None:
    """Remove an override: the date falls back to the built-in calendar."""
    _require(actor, "delete")
    day = CalendarDay.objects.select_for_update().get(pk=day.pk)
    label = f"{day.date.isoformat()} {day.name}（{_kind(day.is_workday)}）"
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.DELETE,
        action=f"删除工作日历调整：{label}",
        target=day,
    )
    day.delete()


# --------------------------------------------------------------------------------------------
# Bulk entry: the 国务院办公厅 notice pasted as lines


@dataclass(frozen=True)
class ParsedDay:
    line: int
    date: dt.date
    is_workday: bool
    name: str
    note: str


class CalendarInputError(BusinessError):
    """Pasted lines that cannot be read; ``errors`` has one message per bad line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors[:5]) + ("……" if len(errors) > 5 else ""), field="lines")
        self.errors = errors


_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_DATE_RE = re.compile(rf"^{_DATE}$")
_RANGE_RE = re.compile(rf"^{_DATE}\s*(?:\.\.|至|到|~|～|—|–)\s*{_DATE}$")


def _date(line_no: int, year: str, month: str, day: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise ValueError(f"第{line_no}行：日期 {year}-{month}-{day} 不存在") from exc


def _parse_dates(line_no: int, text: str) -> list[dt.date]:
    if match := _RANGE_RE.match(text):
        first = _date(line_no, *match.groups()[:3])
        last = _date(line_no, *match.groups()[3:])
        if last < first:
            raise ValueError(
                f"第{line_no}行：结束日期 {last.isoformat()} 早于开始日期 {first.isoformat()}"
            )
        span = (last - first).days + 1
        if span > MAX_RANGE_DAYS:
            raise ValueError(
                f"第{line_no}行：日期范围 {first.isoformat()}..{last.isoformat()} 长达{span}天，"
                f"一行最多{MAX_RANGE_DAYS}天，请检查年份和月份"
            )
        return [first + dt.timedelta(days=i) for i in range(span)]
    if match := _DATE_RE.match(text):
        return [_date(line_no, *match.groups())]
    raise ValueError(
        f"第{line_no}行：无法识别日期“{text}”，请写成 2027-10-01 或 2027-10-01..2027-10-07"
    )


def _split_dates(line: str) -> tuple[str, str]:
    """The leading date or date range, and the rest of the line."""
    match = re.match(rf"^(?:{_DATE}\s*(?:\.\.|至|到|~|～|—|–)\s*{_DATE}|{_DATE})", line)
    if match is None:
        head, _, rest = line.partition(" ")
        return head, rest.strip()
    return match.group(0), line[match.end() :].strip()


def parse_calendar_lines(text: str) -> list[ParsedDay]:
    """Read pasted lines ``日期[..日期] 名称 [休|班] [备注]`` into days, or raise
    ``CalendarInputError`` naming every bad line.

    The kind word (休/放假 for a holiday, 班/上班 for a working day) may be left out only when the
    name itself ends in 上班 (``2027-09-26 调休上班``). Blank lines and lines starting with ``#``
    are skipped. A date may appear on one line only.
    """
    errors: list[str] = []
    parsed: list[ParsedDay] = []
    seen: dict[dt.date, int] = {}
    lines = (text or "").splitlines()
    if len(lines) > MAX_LINES:
        raise CalendarInputError([f"一次最多录入{MAX_LINES}行，当前{len(lines)}行，请分批录入"])
    for line_no, raw in enumerate(lines, start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line or line.startswith("#"):
            continue
        date_text, rest = _split_dates(line)
        try:
            dates = _parse_dates(line_no, date_text)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        words = rest.split()
        if not words:
            errors.append(
                f"第{line_no}行：缺少名称，如“{date_text} 国庆节 休”或“{date_text} 调休上班”"
            )
            continue
        name, words = words[0], words[1:]
        if words and (words[0] in HOLIDAY_WORDS or words[0] in WORKDAY_WORDS):
            is_workday = words[0] in WORKDAY_WORDS
            words = words[1:]
            if name.endswith("上班") and not is_workday:
                errors.append(f"第{line_no}行：名称“{name}”是上班，却标为“休”，请核对")
                continue
        elif name.endswith("上班"):
            is_workday = True
        else:
            hint = f"，如“{date_text} {name} 休”" if not words else ""
            found = f"（写的是“{words[0]}”）" if words else ""
            errors.append(f"第{line_no}行：请在名称后写明“休”或“班”{found}{hint}")
            continue
        if len(name) > 50:
            errors.append(f"第{line_no}行：名称不能超过50个字")
            continue
        note = " ".join(words)[:200]
        clash = [d for d in dates if d in seen]
        if clash:
            errors.append(
                f"第{line_no}行：{clash[0].isoformat()} 已在第{seen[clash[0]]}行出现，同一天只能录入一次"
            )
            continue
        for d in dates:
            seen[d] = line_no
            parsed.append(ParsedDay(line_no, d, is_workday, name, note))
    if errors:
        raise CalendarInputError(errors)
    if not parsed:
        raise CalendarInputError(["没有可录入的日期，请每行写一个日期或日期范围"])
    return parsed


@transaction.atomic
def calendarday_bulk_apply(*, actor: Any, text: str, note: str = "") -> dict[str, Any]:
    """Enter the pasted lines all at once (nothing is saved if one line is wrong).

    A date that already has an override is updated; ``note`` (e.g. the notice's 文号) is used for
    lines that carry no note of their own. Returns the counts and the years touched.
    """
    _require(actor, "add")
    _require(actor, "change")
    days = parse_calendar_lines(text)
    note = (note or "").strip()[:200]
    existing = {
        d.date: d
        for d in CalendarDay.objects.select_for_update().filter(date__in=[p.date for p in days])
    }
    created = updated = unchanged = 0
    for item in days:
        row_note = item.note or note
        row = existing.get(item.date)
        if row is None:
            row = CalendarDay(
                date=item.date,
                is_workday=item.is_workday,
                name=item.name,
                note=row_note,
                source=CalendarSource.MANUAL,
                created_by=actor,
                updated_by=actor,
            )
            created += 1
        elif (row.is_workday, row.name, row.note) == (item.is_workday, item.name, row_note):
            unchanged += 1
            continue
        else:
            row.is_workday, row.name, row.note = item.is_workday, item.name, row_note
            row.updated_by = actor
            updated += 1
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:  # another administrator entered the same date just now
            raise BusinessError(
                f"第{item.line}行：{item.date.isoformat()} 刚被他人录入，请刷新后重试",
                field="lines",
            ) from exc
    years = sorted({p.date.year for p in days})
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.IMPORT,
        action=(
            f"批量录入工作日历（{'、'.join(str(y) for y in years)}年）："
            f"新增{created}天，修改{updated}天，无变化{unchanged}天"
        ),
        extra={"created": created, "updated": updated, "unchanged": unchanged, "years": years},
    )
    return {"created": created, "updated": updated, "unchanged": unchanged, "years": years}
