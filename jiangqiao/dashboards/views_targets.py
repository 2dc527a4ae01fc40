"""Pages of the yearly targets (``/dashboards/targets/…``). Thin: reads through ``targets`` (scoped),
writes through ``services``; the unit and year come from the query string, a unit outside the
user's scope is 404 and a unit he may not set is 403."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.views.generic import ObjectListView, ScopedMixin
from jiangqiao.orgs.models import Organization

from . import indicators, services, targets
from .choices import TargetSource
from .filtersets import TargetFilterSet
from .forms import TargetPageForm, TargetValuesForm
from .models import Target
from .tables import TargetTable, indicator_labels

VIEW_PERMISSION = "dashboards.view_target"
IMPORT_KEY = "dashboards.target"


class TargetPageMixin(LoginRequiredMixin):
    """The unit, year and campaign of a 年度目标 page, from the query string."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("您没有查看年度目标的权限")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def page_form(self) -> TargetPageForm:
        form = TargetPageForm(self.request.GET, user=self.request.user)
        if not form.is_valid():
            raise Http404("参数不正确")
        return form

    def unit(self, form: TargetPageForm) -> Organization | None:
        pk = form.cleaned_data.get("org")
        user = self.request.user
        if pk:
            org = Organization.objects.visible_to(user).filter(pk=pk).first()
            if org is None:
                raise Http404("单位不存在，或不在您的数据范围内")
            return org
        return targets.default_unit(user)

    def query(self, org: Organization, year: int, campaign: str, **extra: Any) -> str:
        params = {"org": org.pk, "year": year, "campaign": campaign, **extra}
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})

    def url(self, name: str, org: Organization, year: int, campaign: str, **extra: Any) -> str:
        return f"{reverse(name)}?{self.query(org, year, campaign, **extra)}"


class TargetUnitView(TargetPageMixin, View):
    """年度目标 of one unit: indicators × (本级目标, 下级分解合计, 差额), the children's targets
    (click a unit to go down) and the actions the user may take."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = self.page_form()
        org = self.unit(form)
        context: dict[str, Any] = {"title": "年度目标", "form": form}
        if org is None:
            context["no_unit"] = True
            return render(request, "dashboards/targets.html", context)
        year, campaign = form.year_value(), form.campaign_value()
        data = targets.unit_targets(request.user, org, year, campaign)
        shown = form.shown([r.indicator for r in data.rows])
        codes = [i.code for i in shown]
        context.update(
            {
                "data": data,
                "year": year,
                "campaign": campaign,
                "shown": shown,
                "children": [
                    {
                        "unit": unit,
                        "url": self.url("dashboards:targets", unit, year, campaign),
                        "values": [targets.number(values.get(code)) for code in codes],
                    }
                    for unit, values in data.children
                ],
                "trail": [
                    (o.name, self.url("dashboards:targets", o, year, campaign)) for o in data.trail
                ],
                "years": [
                    (y, self.url("dashboards:targets", org, y, campaign))
                    for y in range(year - 1, year + 2)
                ],
                "split_url": self.url("dashboards:target_split", org, year, campaign),
                "own_url": self.url("dashboards:target_own", org, year, campaign),
                "history_url": self.url("dashboards:target_unit_history", org, year, campaign),
                "list_url": f"{reverse('dashboards:target_list')}?org_id={org.pk}&year={year}",
                "import_url": self.import_url(),
            }
        )
        return render(request, "dashboards/targets.html", context)

    def import_url(self) -> str | None:
        user = self.request.user
        if not (
            user.has_perm("core.add_importbatch")
            and user.has_perm("dashboards.add_target")
            and user.has_perm(services.SET_PERMISSION)
        ):
            return None
        return reverse("core:import_start", args=[IMPORT_KEY])


class TargetValuesView(TargetPageMixin, View):
    """The form of several units × indicators (subclasses: the split and the unit's own)."""

    own = False

    def setup_page(self) -> None:
        self.form = self.page_form()
        org = self.unit(self.form)
        if org is None:
            raise Http404("您的账号没有关联组织")
        self.org = org
        self.year, self.campaign = self.form.year_value(), self.form.campaign_value()
        self.shown = self.form.shown(self.available())

    def available(self) -> list[indicators.Indicator]:
        """The indicators of the form (active ones: a retired one takes no new target)."""
        return indicators.available(self.request.user, self.org)

    def units(self) -> list[Organization]:
        raise ImproperlyConfigured(f"{type(self).__name__} must define this")

    def current(self) -> dict[int, dict[str, int]]:
        raise ImproperlyConfigured(f"{type(self).__name__} must define this")

    def values_form(self, data: Any = None) -> TargetValuesForm:
        return TargetValuesForm(
            data, units=self.units(), shown=self.shown, current=self.current_values
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        self.setup_page()
        self.current_values = self.current()
        return self.render_page(self.values_form(), {})

    def post(self, request: HttpRequest) -> HttpResponse:
        self.setup_page()
        self.current_values = self.current()
        form = self.values_form(request.POST)
        columns: dict[str, list[str]] = {}
        if form.is_valid():
            try:
                results = self.save(form)
            except ValidationError as exc:
                columns = form.apply_errors(exc.message_dict if hasattr(exc, "error_dict") else {})
                if not hasattr(exc, "error_dict"):
                    for message in exc.messages:
                        form.add_error(None, message)
            except BusinessError as exc:
                form.add_error(None, exc.message)
            else:
                if results is None:
                    messages.info(request, "没有修改任何目标值")
                else:
                    changed = sum(len(r.changed) for r in results)
                    messages.success(request, f"已保存，修改了 {changed} 个目标值")
                    for result in results:
                        for warning in result.warnings:
                            messages.warning(request, warning)
                return redirect(self.back_url())
        return self.render_page(form, columns, status=400)

    def save(self, form: TargetValuesForm) -> list[services.SplitResult] | None:
        raise ImproperlyConfigured(f"{type(self).__name__} must define this")

    def back_url(self) -> str:
        return self.url("dashboards:targets", self.org, self.year, self.campaign)

    def header(self) -> dict[str, int]:
        """The figure shown above each column (the parent's target)."""
        return {}

    def render_page(
        self, form: TargetValuesForm, columns: dict[str, list[str]], status: int = 200
    ) -> HttpResponse:
        header = self.header()
        sums = {
            ind.code: sum(v.get(ind.code, 0) for v in self.current_values.values() if ind.code in v)
            for ind in self.shown
        }
        context = {
            "title": self.title(),
            "org": self.org,
            "year": self.year,
            "campaign": self.campaign,
            "own": self.own,
            "form": form,
            "page_form": self.form,
            "rows": form.rows(),
            "columns": [
                {
                    "indicator": ind,
                    "parent": header.get(ind.code),
                    "parent_text": targets.number(header.get(ind.code)),
                    "sum_text": targets.number(sums[ind.code]),
                    "hint": targets.split_hint(header.get(ind.code), sums[ind.code]),
                    "errors": columns.get(ind.code, []),
                }
                for ind in self.shown
            ],
            "column_errors": [m for ms in columns.values() for m in ms],
            "back_url": self.back_url(),
            "filter_action": self.request.path,
        }
        return render(self.request, "dashboards/targets_split.html", context, status=status)

    def title(self) -> str:
        raise ImproperlyConfigured(f"{type(self).__name__} must define this")


class TargetSplitView(TargetValuesView):
    """分解到下级: one row per enabled child the user may see, one box per indicator; the sum
    is checked by ``services.target_split_many`` (all indicators, all or nothing)."""

    def setup_page(self) -> None:
        super().setup_page()
        if not targets.may_split(self.request.user, self.org):
            raise PermissionDenied(services.NOT_BELOW)
        self.children = list(targets.split_children(self.request.user, self.org))

    def units(self) -> list[Organization]:
        return self.children

    def current(self) -> dict[int, dict[str, int]]:
        return targets.children_targets(self.request.user, self.org, self.year, self.campaign)

    def header(self) -> dict[str, int]:
        return targets.targets_for(self.request.user, self.org, self.year, self.campaign)

    def title(self) -> str:
        return f"分解年度目标：{self.org.name} {self.year}年"

    def save(self, form: TargetValuesForm) -> list[services.SplitResult] | None:
        splits = form.splits()
        if not splits:
            return None
        return services.target_split_many(
            actor=self.request.user,
            parent=self.org,
            campaign=self.campaign,
            year=self.year,
            splits=splits,
            comment=form.cleaned_data.get("comment") or "",
        )


class TargetOwnView(TargetValuesView):
    """设定本级目标: a unit with no parent in this instance, by its own staff."""

    own = True

    def setup_page(self) -> None:
        super().setup_page()
        if not self.shown:
            raise PermissionDenied(services.NOT_BELOW)

    def available(self) -> list[indicators.Indicator]:
        return targets.own_indicators(self.request.user, self.org)

    def units(self) -> list[Organization]:
        return [self.org]

    def current(self) -> dict[int, dict[str, int]]:
        own = targets.targets_for(self.request.user, self.org, self.year, self.campaign)
        return {self.org.pk: own} if own else {}

    def title(self) -> str:
        return f"设定本级年度目标：{self.org.name} {self.year}年"

    def save(self, form: TargetValuesForm) -> list[services.SplitResult] | None:
        values = {code: by_unit[self.org.pk] for code, by_unit in form.splits().items()}
        if not values:
            return None
        return services.target_set_many(
            actor=self.request.user,
            org=self.org,
            campaign=self.campaign,
            year=self.year,
            values=values,
            comment=form.cleaned_data.get("comment") or "",
        )


class TargetListView(ObjectListView):
    """All targets the user may see, filtered, exported and imported like every list."""

    model = Target
    filterset_class = TargetFilterSet
    table_class = TargetTable
    title = "年度目标列表"

    def get_table_queryset(self) -> QuerySet[Any]:
        return targets.target_list(self.request.user)


def revision_rows(revisions: Any, user: Any) -> list[dict[str, Any]]:
    """The revisions as the history page shows them (numbers with separators, names)."""
    sources = dict(TargetSource.choices)
    revisions = list(revisions)
    labels = indicator_labels(user, {r.target.indicator for r in revisions})
    return [
        {
            "at": r.at,
            "unit": r.target.org.name,
            "indicator": labels.get(r.target.indicator, r.target.indicator),
            "before": targets.number(r.before) or "（未设定）",
            "after": targets.number(r.after),
            "actor": r.actor,
            "actor_name": r.actor_name,
            "source": sources.get(r.source, r.source),
            "comment": r.comment,
        }
        for r in revisions
    ]


class TargetHistoryView(ScopedMixin, View):
    """目标调整记录 of one target."""

    model = Target

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = self.get_object()
        rows = revision_rows(targets.target_revisions(request.user, target)[:500], request.user)
        found = indicators.resolve(target.indicator, user=request.user)
        return render(
            request,
            "dashboards/target_history.html",
            {
                "title": f"目标调整记录：{target.org.name} {target.year}年 "
                f"{found.label if found else target.indicator}",
                "target": target,
                "target_value": targets.number(target.value),
                "indicator": found,
                "rows": rows,
                "per_unit": False,
                "back_url": reverse("dashboards:targets")
                + f"?org={target.org_id}&year={target.year}&campaign={target.campaign}",
            },
        )


class TargetUnitHistoryView(TargetPageMixin, View):
    """目标调整记录 of a unit's targets of the year and of its children's."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = self.page_form()
        org = self.unit(form)
        if org is None:
            raise Http404("您的账号没有关联组织")
        year, campaign = form.year_value(), form.campaign_value()
        rows = revision_rows(
            targets.unit_revisions(request.user, org, year, campaign)[:500], request.user
        )
        return render(
            request,
            "dashboards/target_history.html",
            {
                "title": f"目标调整记录：{org.name}及其下级 {year}年",
                "rows": rows,
                "per_unit": True,
                "back_url": self.url("dashboards:targets", org, year, campaign),
            },
        )
