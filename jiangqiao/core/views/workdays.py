"""工作日历 pages: a year as twelve month grids plus its holidays and 调休, override edits, and the
bulk entry of the 国务院办公厅 notice. Reads go through ``core.workdays``, writes through
``core.services``."""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from jiangqiao.core import services, workdays
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.forms import LocalizedForm
from jiangqiao.core.models import CalendarDay

from .generic import ObjectEditView, ScopedMixin

WEEKDAYS = "一二三四五六日"
KIND_CHOICES = (("holiday", "放假"), ("workday", "上班（含调休上班）"))
BULK_EXAMPLE = "2027-10-01..2027-10-07 国庆节 休\n2027-09-26 调休上班\n2027-10-09 调休上班"


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


def _months(year: int, days: list[workdays.DayInfo]) -> list[dict[str, Any]]:
    """Twelve month grids: weeks of seven cells (``None`` outside the month)."""
    by_date = {d.date: d for d in days}
    grid = calendar.Calendar(firstweekday=0)
    return [
        {
            "month": month,
            "weeks": [
                [by_date[d] if d.month == month else None for d in week]
                for week in grid.monthdatescalendar(year, month)
            ],
        }
        for month in range(1, 13)
    ]


class CalendarYearView(ScopedMixin, View):
    model = CalendarDay
    template_name: ClassVar[str] = "core/calendar_year.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        year = _year(request)
        days = workdays.year_days(year)
        special = [d for d in days if d.is_special or d.override_id]
        context = {
            **self.base_context(),
            "title": f"工作日历 · {year}年",
            "year": year,
            "prev_year": year - 1,
            "next_year": year + 1,
            "known": workdays.calendar_known(year),
            "builtin_known": workdays.builtin_known(year),
            "builtin_last_year": workdays.BUILTIN_LAST_YEAR,
            "months": _months(year, days),
            "weekdays": WEEKDAYS,
            "special": special,
            "holiday_count": sum(1 for d in special if not d.is_workday and d.name),
            "makeup_count": sum(1 for d in special if d.is_workday and d.date.weekday() >= 5),
            "workday_count": sum(1 for d in days if d.is_workday),
            "can_delete": self.perm("delete"),
            "today": timezone.localdate(),
        }
        return render(request, self.template_name, context)


class CalendarDayForm(LocalizedForm):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="当天", choices=KIND_CHOICES)
    name = forms.CharField(
        label="名称", max_length=50, help_text="如：国庆节、春节、调休上班、防汛停工"
    )
    note = forms.CharField(
        label="备注", max_length=200, required=False, help_text="如：国办发明电〔2026〕X号"
    )

    def __init__(
        self,
        *args: Any,
        user: Any = None,
        instance: Any = None,
        initial_date: Any = None,
        **kw: Any,
    ) -> None:
        if instance is not None:
            kw.setdefault(
                "initial",
                {
                    "date": instance.date,
                    "kind": "workday" if instance.is_workday else "holiday",
                    "name": instance.name,
                    "note": instance.note,
                },
            )
        elif initial_date is not None:
            info = workdays.day_info(initial_date)
            # Offer the opposite of what the calendar says now: that is why one adds an override.
            kw.setdefault(
                "initial",
                {
                    "date": initial_date,
                    "kind": "holiday" if info.is_workday else "workday",
                    "name": "" if info.is_workday else workdays.MAKEUP_WORKDAY,
                },
            )
        super().__init__(*args, **kw)


class CalendarDayEditView(ObjectEditView):
    model = CalendarDay
    form_class = CalendarDayForm
    success_message = "已保存，工作日计算即时生效"

    def get_form_kwargs(self, obj: Any) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(obj)
        if obj is None and self.request.method == "GET":
            with contextlib.suppress(ValueError):
                kwargs["initial_date"] = dt.date.fromisoformat(self.request.GET.get("date", ""))
        return kwargs

    def save_form(self, form: Any, obj: Any) -> Any:
        data = form.cleaned_data
        fields = {
            "date": data["date"],
            "is_workday": data["kind"] == "workday",
            "name": data["name"],
            "note": data["note"],
        }
        if obj is None:
            return services.calendarday_create(actor=self.request.user, **fields)
        return services.calendarday_update(actor=self.request.user, day=obj, **fields)


class CalendarDayDeleteView(ScopedMixin, View):
    model = CalendarDay
    action = "delete"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseRedirect:
        day = self.get_object()
        url = day.get_absolute_url()
        services.calendarday_delete(actor=request.user, day=day)
        messages.success(request, f"已删除 {day.date.isoformat()} 的调整，该日恢复按内置日历计算")
        return redirect(url)


class CalendarBulkForm(LocalizedForm):
    lines = forms.CharField(
        label="放假安排",
        widget=forms.Textarea(attrs={"rows": 14, "placeholder": BULK_EXAMPLE}),
        help_text=(
            "每行一个日期或日期范围，写法：日期[..结束日期] 名称 休/班 [备注]。"
            "名称以“上班”结尾时可省略“班”。空行和以 # 开头的行忽略。已有调整的日期按新内容修改。"
        ),
    )
    note = forms.CharField(
        label="文号或来源",
        max_length=200,
        required=False,
        help_text="如：国办发明电〔2026〕X号；记入各行未单独写备注的日期",
    )

    def __init__(self, *args: Any, user: Any = None, instance: Any = None, **kw: Any) -> None:
        super().__init__(*args, **kw)


class CalendarBulkView(ScopedMixin, View):
    model = CalendarDay
    action = "add"
    template_name: ClassVar[str] = "core/calendar_bulk.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Entering a notice adds new dates and changes entered ones: both permissions.
        if request.user.is_authenticated and not request.user.has_perm("core.change_calendarday"):
            raise PermissionDenied("您没有此操作的权限")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_form(CalendarBulkForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CalendarBulkForm(data=request.POST)
        errors: list[str] = []
        if form.is_valid():
            try:
                result = services.calendarday_bulk_apply(
                    actor=request.user,
                    text=form.cleaned_data["lines"],
                    note=form.cleaned_data["note"],
                )
            except services.CalendarInputError as exc:
                errors = exc.errors
            except BusinessError as exc:
                errors = [exc.message]
            else:
                messages.success(
                    request,
                    f"已录入：新增{result['created']}天，修改{result['updated']}天，"
                    f"无变化{result['unchanged']}天",
                )
                return redirect(f"{reverse('core:calendarday_list')}?year={result['years'][0]}")
        return self.render_form(form, errors=errors, status=400)

    def render_form(
        self, form: CalendarBulkForm, *, errors: list[str] | None = None, status: int = 200
    ) -> HttpResponse:
        context = {
            **self.base_context(),
            "title": "批量录入放假安排",
            "form": form,
            "line_errors": errors or [],
            "example": BULK_EXAMPLE,
            "cancel_url": reverse("core:calendarday_list"),
        }
        return render(self.request, self.template_name, context, status=status)
