"""自定义指标 pages (``/dashboards/indicators/…``, menu 统计驾驶舱 › 自定义指标). Thin: the list
reads through ``CustomIndicator.objects.visible_to`` (the user's data scope, and the definitions of
the units above his own), writes go through ``custom`` (which checks who may define what).

A definition of a unit outside the user's scope is 404; one he may see but not change (a unit
above his own) has no actions, and a POST to change it is refused by the service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from jiangqiao.core.choices import Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import subtree_q
from jiangqiao.orgs.models import Organization

from . import custom, indicators
from .choices import CustomStatus, Dimension
from .forms import CustomIndicatorForm
from .models import CustomIndicator

VIEW_PERMISSION = "dashboards.view_customindicator"
#: Units offered in the form's 定义单位 (the user's own unit first, then those below by path).
UNITS_MAX = 500


def definable_units(user: Any) -> list[Organization]:
    """The enabled units the user may define custom indicators for: his own and those below
    it, in his data scope."""
    own = getattr(user, "org", None)
    if own is None or not user.has_perm(custom.SET_PERMISSION):
        return []
    return list(
        Organization.objects.visible_to(user)
        .filter(subtree_q(own.path), status=Status.ACTIVE)
        .order_by("path")
        .only("pk", "name", "path", "parent_id")[:UNITS_MAX]
    )


def key_tables() -> list[dict[str, Any]]:
    """The keys each breakdown can take (the form's reference table); 地区 is too long a list
    to print: its hint says how to write one."""
    out: list[dict[str, Any]] = []
    for dim, label in Dimension.choices:
        if dim == Dimension.REGION:
            out.append(
                {"label": label, "options": [], "hint": "地市名称或代码，如 深圳市 或 440300"}
            )
            continue
        options = indicators.key_options(dim)
        if dim == Dimension.SIZE:
            options += list(indicators.ACADEMY_SIZE_LABELS.items())
        out.append({"label": label, "options": options, "hint": ""})
    return out


def base_dimensions() -> list[dict[str, Any]]:
    """Which breakdowns each registered indicator keeps (the form's hint)."""
    return [
        {
            "label": ind.label,
            "unit": ind.unit,
            "dimensions": "、".join(str(Dimension(d).label) for d in ind.dimensions) or "无",
        }
        for ind in indicators.REGISTRY.values()
    ]


class CustomMixin(LoginRequiredMixin):
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("您没有查看自定义指标的权限")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_row(self, pk: int) -> CustomIndicator:
        row = (
            CustomIndicator.objects.visible_to(self.request.user)
            .select_related("org")
            .filter(pk=pk)
            .first()
        )
        if row is None:
            raise Http404("自定义指标不存在，或不在您的数据范围内")
        return row


class CustomIndicatorListView(CustomMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        rows = list(
            CustomIndicator.objects.visible_to(user)
            .select_related("org")
            .order_by("status", "org__path", "pk")
        )
        named = set(
            Organization.objects.visible_to(user)
            .filter(pk__in={r.org_id for r in rows})
            .values_list("pk", flat=True)
        )
        may: dict[int, bool] = {}
        items = []
        for row in rows:
            if row.base not in indicators.REGISTRY:
                continue
            if row.org_id not in may:
                may[row.org_id] = custom.may_define(user, row.org)
            items.append(
                {
                    "row": row,
                    "indicator": indicators.from_custom(row),
                    # A unit above the user's own scope is not named (docs/dashboards.md).
                    "unit": row.org.name if row.org_id in named else "上级单位",
                    "active": row.status == CustomStatus.ACTIVE,
                    "can_change": may[row.org_id],
                    "targets_url": reverse("dashboards:target_list") + f"?indicator={row.code}",
                }
            )
        return render(
            request,
            "dashboards/custom_indicators.html",
            {
                "title": "自定义指标",
                "items": items,
                "can_add": bool(definable_units(user)),
                "add_url": reverse("dashboards:custom_indicator_add"),
            },
        )


class CustomIndicatorFormView(CustomMixin, View):
    """新增 (``pk`` None) or 修改 a definition."""

    def setup_form(self, pk: int | None) -> None:
        user = self.request.user
        self.row = self.get_row(pk) if pk is not None else None
        if self.row is None:
            self.units: list[Organization] | None = definable_units(user)
            if not self.units:
                raise PermissionDenied(custom.NO_PERMISSION)
        else:
            self.units = None
            if not custom.may_define(user, self.row.org):
                raise PermissionDenied(custom.NOT_OWN)

    def form(self, data: Any = None) -> CustomIndicatorForm:
        initial: dict[str, Any] = {}
        if self.row is not None:
            initial = {f: getattr(self.row, f) for f in custom.FIELDS}
        elif self.units:
            initial = {"org": self.units[0].pk}
        return CustomIndicatorForm(data, units=self.units, initial=initial)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        self.setup_form(pk)
        return self.render_page(self.form())

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        self.setup_form(pk)
        form = self.form(request.POST)
        if form.is_valid():
            data = {f: form.cleaned_data.get(f, "") for f in custom.FIELDS}
            try:
                if self.row is None:
                    unit = next(
                        u for u in self.units or [] if str(u.pk) == form.cleaned_data["org"]
                    )
                    row = custom.custom_create(actor=request.user, org=unit, data=data)
                    messages.success(request, f"已新增自定义指标“{row.label}”，代码 {row.code}")
                else:
                    row = custom.custom_update(actor=request.user, indicator=self.row, data=data)
                    messages.success(request, f"已保存自定义指标“{row.label}”")
            except ValidationError as exc:
                form.apply_errors(exc.message_dict if hasattr(exc, "error_dict") else {})
                if not hasattr(exc, "error_dict"):
                    for message in exc.messages:
                        form.add_error(None, message)
            except BusinessError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("dashboards:custom_indicators")
        return self.render_page(form, status=400)

    def render_page(self, form: CustomIndicatorForm, status: int = 200) -> HttpResponse:
        title = "新增自定义指标" if self.row is None else f"修改自定义指标：{self.row.label}"
        return render(
            self.request,
            "dashboards/custom_indicator_form.html",
            {
                "title": title,
                "form": form,
                "row": self.row,
                "bases": base_dimensions(),
                "keys": key_tables(),
                "cancel_url": reverse("dashboards:custom_indicators"),
            },
            status=status,
        )


class CustomIndicatorStatusView(CustomMixin, View):
    """停用 / 启用 (POST)."""

    action = "retire"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = self.get_row(pk)
        func = custom.custom_retire if self.action == "retire" else custom.custom_restore
        try:
            row = func(actor=request.user, indicator=row)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except BusinessError as exc:
            messages.error(request, exc.message)
        else:
            done = "停用" if self.action == "retire" else "启用"
            messages.success(request, f"已{done}自定义指标“{row.label}”")
        return redirect("dashboards:custom_indicators")
