"""The cockpit as JSON (``GET /api/v1/dashboards/cockpit/``): the same ``selectors.cockpit``
answer the page and the upward report read — a unit's standing against its yearly targets, the
units below it and the trend by month — for machine clients (the level above, a big screen).

The unit must be within the caller's data scope (404 otherwise, never its name); the units below
are those he may see by name, the rest summed as ``other``."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiangqiao.orgs.models import Organization
from jiangqiao.orgs.selectors import default_unit

from ..choices import Pace
from ..forms_cockpit import CockpitForm
from ..selectors import Cockpit, Standing, cockpit

PERMISSION = "dashboards.view_cockpit"


class UnitSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()


class StandingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(label="指标代码")
    name = serializers.CharField(label="指标")
    unit = serializers.CharField(label="计量单位")
    national = serializers.BooleanField(label="国家指标")
    actual = serializers.IntegerField(label="完成")
    target = serializers.IntegerField(allow_null=True, label="目标")
    completion = serializers.FloatField(allow_null=True, label="完成率（0–1，无目标为空）")
    expected = serializers.FloatField(allow_null=True, label="序时应完成")
    expected_basis = serializers.ChoiceField(
        choices=["seasonal", "linear"], allow_null=True, label="序时依据"
    )
    pace = serializers.ChoiceField(choices=Pace.choices, label="状态")
    pace_label = serializers.CharField(label="状态名称")


class ChildSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit = UnitSerializer()
    indicators = StandingSerializer(many=True)


class CockpitSerializer(serializers.Serializer):  # type: ignore[type-arg]
    unit = UnitSerializer()
    campaign = serializers.CharField()
    year = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    as_of = serializers.DateField(label="序时进度计算日")
    indicators = StandingSerializer(many=True)
    children = ChildSerializer(many=True, label="下级单位（按名称可见的）")
    other = serializers.DictField(
        child=serializers.IntegerField(), label="其他下级单位（不可见名称的合计）"
    )
    trend = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()))
    last_year = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()))


def _unit(org: Organization) -> dict[str, Any]:
    return {"id": org.pk, "name": org.name, "level": org.level}


def _standing(st: Standing) -> dict[str, Any]:
    basis = None
    if st.expected_seasonal is not None:
        basis = "seasonal"
    elif st.expected_linear is not None:
        basis = "linear"
    return {
        "code": st.indicator.code,
        "name": st.indicator.label,
        "unit": st.indicator.unit,
        "national": st.indicator.national,
        "actual": st.actual,
        "target": st.target,
        "completion": st.completion,
        "expected": st.expected,
        "expected_basis": basis,
        "pace": str(st.pace),
        "pace_label": str(Pace(st.pace).label),
    }


def as_data(cp: Cockpit) -> dict[str, Any]:
    return {
        "unit": _unit(cp.unit),
        "campaign": cp.campaign,
        "year": cp.year,
        "start": cp.start,
        "end": cp.end,
        "as_of": cp.as_of,
        "indicators": [_standing(s) for s in cp.standings],
        "children": [
            {"unit": _unit(row.unit), "indicators": [_standing(s) for s in row.standings.values()]}
            for row in cp.children
        ],
        "other": cp.other,
        "trend": cp.trend,
        "last_year": cp.last_year,
    }


class CockpitView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="dashboards_cockpit",
        summary="统计驾驶舱：目标完成情况（本单位、下级单位、月度趋势）",
        description=(
            "与统计驾驶舱页面和上报统计表同一口径（docs/kpi.md）。`unit` 须在当前用户的数据范围内，"
            "否则 404；缺省为本人所在单位。统计期间须在同一年度内。"
        ),
        parameters=[
            OpenApiParameter("unit", int, description="单位ID（缺省为本人所在单位）"),
            OpenApiParameter(
                "period", str, enum=["year", "quarter", "month", "custom"], description="统计期间"
            ),
            OpenApiParameter("year", int, description="年度"),
            OpenApiParameter("quarter", int, description="季度（1–4）"),
            OpenApiParameter("month", int, description="月份（1–12）"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="开始日期（自定义期间）"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="结束日期（自定义期间）"),
        ],
        responses={
            200: CockpitSerializer,
            400: OpenApiResponse(description="参数错误（中文说明，指明字段）"),
            403: OpenApiResponse(description="没有查看统计驾驶舱的权限"),
            404: OpenApiResponse(description="单位不存在或不在数据范围内"),
        },
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not user.has_perm(PERMISSION):
            raise PermissionDenied("您没有查看统计驾驶舱的权限")
        params = request.query_params.copy()
        if not params.get("period") and not params.get("year"):
            params["period"] = "year"
            params["year"] = str(timezone.localdate().year)
        form = CockpitForm(params, user=request.user)
        if not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        data = form.cleaned_data
        if data.get("unit"):
            unit = Organization.objects.visible_to(user, "view").filter(pk=data["unit"]).first()
        else:
            unit = default_unit(user=user)
        if unit is None:
            raise Http404("统计单位不存在或不在您的数据范围内")
        start, end = data["start_day"], data["end_day"]
        cp = cockpit(user=user, unit=unit, year=start.year, start=start, end=end)
        return Response(CockpitSerializer(as_data(cp)).data)
