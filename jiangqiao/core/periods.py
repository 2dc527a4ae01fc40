"""Statistics periods (统计期间): a year, a quarter, a month or a custom range of days.

Shared by every statistics page (the academy's 统计报表, the dashboards' cockpit): the bounds of a
period, its label, and :class:`PeriodForm` — the form fields and their validation (Chinese
messages naming the field). A page adds its own fields by subclassing the form.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from .forms import LocalizedForm

#: Periods a year can be cut into (the form's "统计期间").
PERIOD_KINDS = (("year", "年度"), ("quarter", "季度"), ("month", "月度"), ("custom", "自定义"))
MIN_DAY = dt.date(2000, 1, 1)
MAX_DAY = dt.date(2100, 12, 31)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def period_bounds(
    kind: str,
    *,
    year: int | None = None,
    quarter: int | None = None,
    month: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of a year, a quarter, a month or a custom range."""
    if kind == "custom":
        if start is None or end is None:
            raise ValueError("custom needs start and end")
        return start, end
    if year is None:
        raise ValueError("year needed")
    if kind == "quarter":
        q = quarter or 1
        first = dt.date(year, 3 * q - 2, 1)
        last_month = 3 * q
        return first, dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    if kind == "month":
        m = month or 1
        return dt.date(year, m, 1), dt.date(year, m, calendar.monthrange(year, m)[1])
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def period_label(start: dt.date, end: dt.date) -> str:
    return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


class PeriodForm(LocalizedForm):
    """统计期间：年度 / 季度 / 月度 / 自定义. ``cleaned_data`` gains ``start_day`` and ``end_day``
    (inclusive); a quarter or month left empty is the current one, a year left empty this year."""

    period = forms.ChoiceField(label="统计期间", choices=PERIOD_KINDS, required=False)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label="季度",
        choices=[(str(i), f"第{i}季度") for i in range(1, 5)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    month = forms.TypedChoiceField(
        label="月份",
        choices=[(str(i), f"{i}月") for i in range(1, 13)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    start = forms.DateField(label="开始日期", required=False, widget=DATE)
    end = forms.DateField(label="结束日期", required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        kind = data.get("period") or "year"
        data["period"] = kind
        today = timezone.localdate()
        year = data.get("year") or today.year
        data["year"] = year
        if kind == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None:
                self.add_error("start", "自定义期间请填写开始日期")
            if end is None:
                self.add_error("end", "自定义期间请填写结束日期")
            if start is None or end is None:
                return data
            if end < start:
                self.add_error("end", "结束日期不能早于开始日期")
                return data
            if start < MIN_DAY or end > MAX_DAY:
                self.add_error("start", "统计期间应在 2000-01-01 至 2100-12-31 之间")
                return data
        if kind == "quarter" and not data.get("quarter"):
            data["quarter"] = (today.month - 1) // 3 + 1
        if kind == "month" and not data.get("month"):
            data["month"] = today.month
        data["start_day"], data["end_day"] = period_bounds(
            kind,
            year=year,
            quarter=data.get("quarter"),
            month=data.get("month"),
            start=data.get("start"),
            end=data.get("end"),
        )
        return data
