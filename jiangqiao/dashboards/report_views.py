"""上报统计表 pages: choose the unit and period and start the export (a background job, always),
follow its progress, download the Excel and the PDF. Thin: the figures and files come from
``report`` (``selectors.cockpit`` in the requester's data scope); a job and its files are the
requester's alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View

from jiangqiao.academy.statistics import period_bounds
from jiangqiao.core.choices import JobStatus
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.forms import LocalizedForm, model_choice
from jiangqiao.core.io.exporting import no_store
from jiangqiao.core.jobs import worker_warning
from jiangqiao.core.models import Job
from jiangqiao.core.pickers import ObjectChoiceField, key_from_text
from jiangqiao.core.views.generic import SubmitOnceMixin

from . import report

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PERIODS = (("year", "全年"), ("quarter", "季度"), ("month", "月度"), ("custom", "自定义"))


class ReportForm(LocalizedForm):
    """The unit and the period of the report (within one year: targets are yearly)."""

    unit = ObjectChoiceField("organization", label="统计单位")
    period = forms.ChoiceField(label="统计期间", choices=PERIODS, initial="year")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label="季度",
        choices=[("", "—"), *((str(i), f"第{i}季度") for i in range(1, 5))],
        coerce=int,
        required=False,
        empty_value=None,
    )
    month = forms.TypedChoiceField(
        label="月份",
        choices=[("", "—"), *((str(i), f"{i}月") for i in range(1, 13))],
        coerce=int,
        required=False,
        empty_value=None,
    )
    start = forms.DateField(label="开始日期", required=False, widget=DATE)
    end = forms.DateField(label="结束日期", required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "unit").queryset = report.report_units(user).order_by("path")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        kind = data.get("period") or "year"
        today = timezone.localdate()
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
            if start.year != end.year:
                self.add_error("end", "开始和结束日期须在同一年度内（年度目标按自然年）")
                return data
            data["year"] = start.year
        else:
            data["year"] = data.get("year") or today.year
            if kind == "quarter" and not data.get("quarter"):
                self.add_error("quarter", "请选择季度")
                return data
            if kind == "month" and not data.get("month"):
                self.add_error("month", "请选择月份")
                return data
        data["start_day"], data["end_day"] = period_bounds(
            kind,
            year=data["year"],
            quarter=data.get("quarter"),
            month=data.get("month"),
            start=data.get("start"),
            end=data.get("end"),
        )
        return data


def _initial(request: HttpRequest) -> dict[str, Any]:
    """The form's values from the cockpit's link (``?unit=&year=&start=&end=``)."""
    get = request.GET
    user: Any = request.user
    initial: dict[str, Any] = {"period": "year", "year": timezone.localdate().year}
    unit = key_from_text(get.get("unit") or user.org_id)
    if unit is not None and report.report_units(user).filter(pk=unit).exists():
        initial["unit"] = unit
    for name in ("period", "year", "quarter", "month"):
        if get.get(name):
            initial[name] = get[name]
    start, end = get.get("start"), get.get("end")
    if start and end and not get.get("period"):
        try:
            first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except ValueError:
            return initial
        initial.update(year=first.year, start=first, end=last)
        if (first.month, first.day, last.month, last.day) != (1, 1, 12, 31):
            initial["period"] = "custom"
    return initial


def _check_perm(user: Any) -> None:
    if not user.has_perm(report.PERMISSION):
        raise PermissionDenied("您没有导出上报统计表的权限")


class ReportExportView(LoginRequiredMixin, SubmitOnceMixin, View):
    """GET: the form (pre-filled from the cockpit's link); POST: start the report job."""

    template_name = "dashboards/report_export.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        _check_perm(request.user)
        form = ReportForm(initial=_initial(request), user=request.user)
        return self._render(form)

    def post(self, request: HttpRequest) -> HttpResponseBase:
        _check_perm(request.user)
        earlier = self.earlier_submission()
        if earlier is not None:
            return earlier
        form = ReportForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(form, status=400)
        data = form.cleaned_data
        try:
            done = self.create_once(
                lambda: report.report_start(
                    actor=request.user,
                    unit=data["unit"],
                    year=data["year"],
                    start=data["start_day"],
                    end=data["end_day"],
                ),
                lambda job: reverse("dashboards:report_progress", args=[job.pk]),
            )
        except BusinessError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self._render(form, status=400)
        if done.replayed:
            return self.replayed(done.url)
        return redirect(done.url)

    def replay_fallback_url(self) -> str:
        return reverse("dashboards:report_export")

    def _render(self, form: ReportForm, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "title": "导出上报统计表",
            "form_token": self.form_token or self.issue_form_token(),
            "recent": report_jobs(self.request.user)[:5],
        }
        return render(self.request, self.template_name, context, status=status)


def report_jobs(user: Any) -> Any:
    """The report jobs ``user`` started (his own only)."""
    return Job.objects.visible_to(user, "view").filter(created_by=user, kind=report.REPORT_JOB)


def own_job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(report_jobs(request.user), pk=pk)


class ReportProgressView(LoginRequiredMixin, View):
    """The job's progress (polled by htmx) and, once done, the two downloads."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        _check_perm(request.user)
        job = own_job(request, pk)
        context = {
            "object": job,
            "title": job.title,
            "worker_warning": worker_warning() if not job.is_finished else None,
            "formats": [("xlsx", "下载 Excel"), ("pdf", "下载 PDF")],
        }
        htmx = getattr(request, "htmx", None)
        if htmx and not htmx.boosted:
            return render(request, "dashboards/_report_progress.html", context)
        return render(request, "dashboards/report_progress.html", context)


class ReportDownloadView(LoginRequiredMixin, View):
    """One file of a finished report, for the user who asked for it, while the unit is still
    within his data scope."""

    def get(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
        _check_perm(request.user)
        if fmt not in report.FORMATS:
            raise Http404("没有这种格式的文件")
        job = get_object_or_404(report_jobs(request.user), pk=pk, status=JobStatus.SUCCEEDED)
        unit_id = (job.result or {}).get("unit")
        if not report.report_units(request.user).filter(pk=unit_id).exists():
            raise Http404("统计单位已不在您的数据范围内")
        try:
            data, name = report.stored_file(job, fmt)
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect("dashboards:report_progress", pk=job.pk)
        response = HttpResponse(data, content_type=report.FORMATS[fmt])
        response["Content-Disposition"] = content_disposition_header(True, name)
        return no_store(response)
