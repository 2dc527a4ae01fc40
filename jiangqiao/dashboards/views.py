"""统计驾驶舱 (``/dashboards/``): a unit's standing against its yearly targets, the units below
ranked (drill-down 省 → 市 → 县 → 基层), the trend by month; the breakdowns and the process figures
load after the page (htmx), so the first answer stays fast.

Thin: the figures come from ``selectors.cockpit`` (cached, scoped through ``visible_to``), their
presentation and links from ``panels``. ``?unit=`` outside the user's data scope is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from jiangqiao.core.periods import period_label
from jiangqiao.orgs.models import Organization
from jiangqiao.orgs.selectors import default_unit, drill_trail

from . import indicators as registry
from . import panels
from .forms_cockpit import DEFAULT_INDICATOR, CockpitForm
from .selectors import PROCESS_CACHE_SECONDS, cockpit, process

PERMISSION = "dashboards.view_cockpit"


class _CockpitBase(LoginRequiredMixin, View):
    template_name = "dashboards/cockpit.html"

    def resolve(self, request: HttpRequest) -> tuple[CockpitForm, panels.Period | None, bool]:
        """The form, the unit and period asked for (``None`` when the form is invalid or the
        user has no unit), and whether the user has no unit at all."""
        user = request.user
        if not user.has_perm(PERMISSION):
            raise PermissionDenied("您没有查看统计驾驶舱的权限")
        params = request.GET.copy()
        if not params.get("period") and not params.get("year"):
            params.setdefault("period", "year")
            params["year"] = str(timezone.localdate().year)
        form = CockpitForm(params, user=user)
        if not form.is_valid():
            return form, None, False
        data = form.cleaned_data
        if data.get("unit"):
            unit = Organization.objects.visible_to(user, "view").filter(pk=data["unit"]).first()
            if unit is None:
                raise Http404("统计单位不存在或不在您的数据范围内")
        else:
            unit = default_unit(user=user)
            if unit is None:
                return form, None, True
        return (
            form,
            panels.Period(unit, data["start_day"], data["end_day"], data["indicator"]),
            False,
        )


class CockpitView(_CockpitBase):
    def get(self, request: HttpRequest) -> HttpResponse:
        form, period, no_unit = self.resolve(request)
        context: dict[str, Any] = {"form": form, "title": "统计驾驶舱", "no_unit": no_unit}
        if period is None:
            return render(request, self.template_name, context, status=200 if no_unit else 400)
        user = request.user
        today = timezone.localdate()
        cp = cockpit(
            user=user,
            unit=period.unit,
            year=period.start.year,
            start=period.start,
            end=period.end,
            today=today,
        )
        if cp.indicator(period.indicator) is None:
            period.indicator = DEFAULT_INDICATOR  # a custom one of another unit's subtree
        rows = panels.standing_rows(cp, period, user)
        ranked = panels.ranking_indicators(cp, period)
        trend = panels.trend(cp, period, user, today)
        context.update(
            {
                "cp": cp,
                "unit": period.unit,
                "period": period,
                "period_label": period_label(cp.start, cp.end),
                "as_of": cp.as_of,
                "to_date": cp.start <= today <= cp.end,
                "rows": rows,
                "national_rows": [r for r in rows if r.indicator.national],
                "other_rows": [r for r in rows if not r.indicator.national],
                "no_data": not any(s.actual for s in cp.standings),
                "no_target": not any(s.target for s in cp.standings),
                "set_target_url": panels.target_url(user, period.unit, cp.year),
                "report_url": panels.report_url(user, period.unit, cp.start, cp.end),
                "lines": panels.unit_lines(cp, period, user),
                "national_labels": [i.label for i in ranked],
                "rank_label": (cp.indicator(period.indicator) or ranked[0]).label,
                "trend": trend,
                "chart_data": {"gauges": panels.gauges(rows), "trend": trend},
                "trail": [
                    (o.name, "?" + period.query(unit=o.pk))
                    for o in drill_trail(user=user, unit=period.unit)
                ],
                "query": period.query(),
                "rules": [r.indicator for r in rows],
            }
        )
        return render(request, self.template_name, context)


class CockpitProcessView(_CockpitBase):
    """The process figures of docs/kpi.md §2 (an htmx panel: counted from the raw rows)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _form, period, _no_unit = self.resolve(request)
        if period is None:
            return HttpResponse("统计条件有误或没有可统计的单位。", status=400)
        got = process(user=request.user, unit=period.unit, start=period.start, end=period.end)
        figures = panels.process_figures(got, user=request.user, unit=period.unit)
        return render(
            request,
            "dashboards/_cockpit_process.html",
            {
                "figures": figures,
                "unit": period.unit,
                "period": period,
                "counted_at": got["counted_at"],
                "refresh_minutes": PROCESS_CACHE_SECONDS // 60,
            },
        )


class CockpitBreakdownView(_CockpitBase):
    """The breakdowns of the chosen indicator (an htmx panel)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _form, period, _no_unit = self.resolve(request)
        if period is None:
            return HttpResponse("统计条件有误或没有可统计的单位。", status=400)
        found = panels.breakdowns(
            user=request.user,
            unit=period.unit,
            start=period.start,
            end=period.end,
            code=period.indicator,
        )
        indicator = registry.resolve(period.indicator, user=request.user, unit=period.unit)
        if indicator is None:
            raise Http404("指标不存在，或不适用于该单位")
        return render(
            request,
            "dashboards/_cockpit_breakdown.html",
            {
                "panels": found,
                "indicator": indicator,
                "charts": {"breakdowns": panels.breakdown_charts(found)},
                "unit": period.unit,
                "empty": not any(p.slices for p in found),
            },
        )
