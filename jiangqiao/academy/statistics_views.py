"""统计报表 (``/academy/statistics/``): the unit's totals, its child units as rows, drill-down,
period and academy-level filters, and the Excel export of the same figures. Thin: the figures
come from ``statistics.statistics_report`` (scoped through ``visible_to``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View

from jiangqiao.core.choices import BusinessType
from jiangqiao.core.io.exporting import no_store
from jiangqiao.core.operations import record_operation

from .choices import AcademyLevel
from .forms import StatisticsFilterForm
from .services import MODULE
from .statistics import (
    REGISTRY,
    Report,
    StatsQuery,
    default_unit,
    period_label,
    statistics_report,
    stats_units,
)
from .statistics_export import workbook_bytes

PERMISSION = "academy.view_statistics"


class StatisticsView(LoginRequiredMixin, View):
    export = False

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.has_perm(PERMISSION):
            raise PermissionDenied("您没有查看工匠学院统计报表的权限")
        params = request.GET.copy()
        if not params.get("period") and not params.get("year"):
            # The default period (this year) is shown in the form, not left as an empty box.
            params.setdefault("period", "year")
            params["year"] = str(timezone.localdate().year)
        form = StatisticsFilterForm(params)
        context: dict[str, Any] = {"form": form, "title": "统计报表", "report": None}
        if not form.is_valid():
            return render(request, "academy/statistics.html", context, status=400)
        data = form.cleaned_data
        if data.get("unit"):
            unit = stats_units(user=user).filter(pk=data["unit"]).first()
            if unit is None:
                raise Http404("统计单位不存在或不在您的数据范围内")
        else:
            unit = default_unit(user=user)
            if unit is None:
                context["no_unit"] = True
                return render(request, "academy/statistics.html", context)
        query = StatsQuery(
            user=user,
            unit=unit,
            start=data["start_day"],
            end=data["end_day"],
            level=data.get("level") or "",
        )
        report = statistics_report(user=user, query=query)
        if self.export:
            return self.export_response(request, report)
        context.update(self.table_context(request, report))
        return render(request, "academy/statistics.html", context)

    def table_context(self, request: HttpRequest, report: Report) -> dict[str, Any]:
        keep = {k: v for k, v in request.GET.items() if k not in ("unit", "export")}

        def drill(unit_id: int) -> str:
            return "?" + urlencode({**keep, "unit": unit_id})

        headline = report.headline
        groups: list[tuple[str, int]] = []
        for col in headline:
            if groups and groups[-1][0] == col.indicator.label:
                groups[-1] = (groups[-1][0], groups[-1][1] + 1)
            else:
                groups.append((col.indicator.label, 1))
        rows = []
        for row in report.rows:
            rows.append(
                {
                    "label": row.label,
                    "kind": row.kind,
                    "drill": drill(row.unit.pk) if row.kind == "child" and row.unit else "",
                    "cells": [(row.value(c.key), report.link(c, row)) for c in headline],
                }
            )
        total = [(report.total.get(c.key, 0), report.total_link(c)) for c in headline]
        return {
            "report": report,
            "groups": groups,
            "headline": headline,
            "rows": rows,
            "total": total,
            "trail": [(o.name, drill(o.pk)) for o in report.trail],
            "period": period_label(report.query.start, report.query.end),
            "level_label": dict(AcademyLevel.choices).get(report.query.level, ""),
            "breakdown": report.breakdown(),
            "rules": list(REGISTRY.values()),
            "export_url": reverse("academy:statistics_export")
            + "?"
            + urlencode({**keep, "unit": report.query.unit.pk}),
        }

    def export_response(self, request: HttpRequest, report: Report) -> HttpResponse:
        content = workbook_bytes(report)
        q = report.query
        record_operation(
            actor=request.user,
            module=MODULE,
            business_type=BusinessType.EXPORT,
            action=f"导出工匠学院统计报表：{q.unit.name} {period_label(q.start, q.end)}",
            org_id=q.unit.pk,
            params=dict(request.GET.items()),
        )
        name = f"工匠学院统计_{q.unit.name}_{q.start:%Y%m%d}-{q.end:%Y%m%d}.xlsx"
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
        return no_store(response)  # type: ignore[return-value]
