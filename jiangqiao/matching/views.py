"""Pages of the matching app. Thin: read through selectors, write through services.

* the 推荐工匠 panel of a demand (loaded by htmx into the demand page): suggestions with their
  explanations, 确认 / 拒绝 (with a reason), 重新计算, 人工推荐, and the link to the plain list;
* 匹配建议 — the review queue across demands;
* 清单匹配 — demands lined up with the best-matching service items, exportable to Excel;
* 平台匹配 — start a batch run, watch its progress, review its proposals;
* 利益冲突申报 — declared conflicts (回避) used by the assignment.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View

from jiangqiao.core import submissions
from jiangqiao.core.choices import BusinessType
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.pagination import CappedCountPaginator
from jiangqiao.core.pickers import key_from_text
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ObjectStatusView,
    ScopedMixin,
    SubmitOnceMixin,
)
from jiangqiao.demands.models import Demand
from jiangqiao.demands.selectors import demand_list
from jiangqiao.taxonomy.selectors import term_label, term_labels

from . import selectors, services
from .choices import (
    EXCLUDING_STATUSES,
    SUGGESTION_SOURCE_COLORS,
    SUGGESTION_STATUS_COLORS,
    SuggestionSource,
    SuggestionStatus,
)
from .engine import DEFAULT, SIGNAL_LABELS, relevance
from .export import write_workbook
from .filtersets import (
    ConflictFilterSet,
    MatchListFilterSet,
    RunFilterSet,
    SuggestionFilterSet,
)
from .forms import (
    DeclaredConflictForm,
    ManualSuggestionForm,
    ReasonForm,
    RunStartForm,
)
from .indexing import IndexNotReady
from .models import DeclaredConflict, MatchRun, MatchSuggestion
from .shared import IndexNotBuilt
from .tables import ConflictTable, RunTable, SuggestionTable

#: Demand states for which suggestions are (re)computed; other demands show what is stored.
SUGGESTABLE_STATUSES = ("submitted", "triaged", "published", "matching", "escalated")
MATCHLIST_PER_PAGE = 10
#: Proposals listed on a run's page (all of them are on 匹配建议, filtered by the run).
RUN_PAGE_ROWS = 100


def _error_text(exc: Exception) -> str:
    if isinstance(exc, BusinessError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


def _visible_demand(request: HttpRequest, pk: int) -> Demand:
    return get_object_or_404(
        Demand.objects.visible_to(request.user, "view").select_related("enterprise", "org"), pk=pk
    )


# ------------------------------------------------------------------------------------------------
# The 推荐工匠 panel of a demand
# ------------------------------------------------------------------------------------------------


def _contribution_rows(why: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        c for c in why.get("contributions", []) if abs(float(c.get("contribution", 0))) >= 0.005
    ]
    peak = max((abs(float(c["contribution"])) for c in rows), default=0.0) or 1.0
    return [
        {
            "label": c.get("label") or SIGNAL_LABELS.get(c.get("signal", ""), c.get("signal", "")),
            "value": float(c["contribution"]),
            "width": max(2, int(abs(float(c["contribution"])) * 100 / peak)),
            "positive": float(c["contribution"]) >= 0,
        }
        for c in rows
    ]


_ASSIGNMENT_SCORE = re.compile(r"匹配分 (-?\d+(?:\.\d+)?)")


def _assignment_lines(lines: list[str]) -> list[str]:
    """The solver's reasons with its fused score shown as the 0–100 relevance."""
    return [
        _ASSIGNMENT_SCORE.sub(lambda m: f"匹配度 {relevance(float(m.group(1)))}", str(line))
        for line in lines
    ]


def panel_context(request: HttpRequest, demand: Demand, **extra: Any) -> dict[str, Any]:
    user = request.user
    rows = list(selectors.demand_suggestions(user=user, demand=demand))
    open_rows = [s for s in rows if s.status == SuggestionStatus.PROPOSED]
    confirmed = [s for s in rows if s.status == SuggestionStatus.CONFIRMED]
    refused = [s for s in rows if s.status in EXCLUDING_STATUSES]
    can_view_records = user.has_perm("casework.view_servicerecord")
    records = (
        selectors.match_service_records(user=user, match_ids=[s.pk for s in confirmed])
        if can_view_records
        else {}
    )
    from jiangqiao.talents.selectors import public_profiles

    outside = [s for s in rows if not selectors.craftsman_in_scope(user, s)]
    profiles = public_profiles(s.craftsman_id for s in outside)
    items = []
    for s in confirmed + open_rows + refused:
        cross_unit = s in outside
        items.append(
            {
                "object": s,
                "records": records.get(s.pk, []),
                "relevance": s.relevance,
                "cross_unit": cross_unit,
                "public": profiles.get(s.craftsman_id) if cross_unit else None,
                "summary": selectors.reasons_for(user, s),
                "status_color": SUGGESTION_STATUS_COLORS.get(s.status, "secondary"),
                "source_color": SUGGESTION_SOURCE_COLORS.get(s.source, "secondary"),
                "contributions": _contribution_rows(s.why or {}),
                "assignment": _assignment_lines((s.why or {}).get("assignment") or []),
            }
        )
    latest = max((s.suggested_at for s in open_rows if s.suggested_at), default=None)
    return {
        "demand": demand,
        "items": items,
        "can_view_records": can_view_records,
        "can_add_record": user.has_perm("casework.add_servicerecord"),
        "latest": latest,
        "superseded": sum(1 for s in rows if s.status == SuggestionStatus.SUPERSEDED),
        "fusion_version": DEFAULT.version,
        "can_refresh": user.has_perm("matching.add_matchsuggestion")
        and demand.status in SUGGESTABLE_STATUSES,
        "can_decide": user.has_perm("matching.decide_matchsuggestion"),
        "can_view_craftsmen": user.has_perm("talents.view_craftsman"),
        **extra,
    }


def _needs_refresh(request: HttpRequest, demand: Demand) -> bool:
    user = request.user
    if not user.has_perm("matching.add_matchsuggestion"):
        return False
    if demand.status not in SUGGESTABLE_STATUSES:
        return False
    computed = (
        MatchSuggestion.objects.filter(demand=demand, source=SuggestionSource.RECOMMEND)
        .exclude(suggested_at=None)
        .order_by("-suggested_at")
        .values_list("suggested_at", flat=True)
        .first()
    )
    return computed is None or computed < demand.updated_at


def _not_ready(request: HttpRequest, exc: IndexNotReady) -> dict[str, Any]:
    if isinstance(exc, IndexNotBuilt):
        # The builder (periodic worker) is at work; nothing to start from here.
        return {"index_building": str(exc)}
    job = None
    if request.user.has_perm("core.view_job"):
        try:
            job = services.embed_job_start(actor=request.user)
        except BusinessError:
            job = None
    return {"not_ready": exc.missing, "embed_job": job}


def _render_panel(request: HttpRequest, demand: Demand, **extra: Any) -> HttpResponse:
    return render(request, "matching/_demand_panel.html", panel_context(request, demand, **extra))


class DemandSuggestionsView(ScopedMixin, View):
    """GET: the panel (computed on first view and after the demand changed)."""

    model = MatchSuggestion

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        demand = _visible_demand(request, pk)
        extra: dict[str, Any] = {}
        if _needs_refresh(request, demand):
            try:
                services.suggestions_refresh(actor=request.user, demand=demand)
            except IndexNotReady as exc:
                extra = _not_ready(request, exc)
            except (BusinessError, ScopeViolation) as exc:
                extra = {"error": _error_text(exc)}
        if not getattr(request, "htmx", None):
            return redirect(demand.get_absolute_url() + "#match-suggestions")
        return _render_panel(request, demand, **extra)


class DemandSuggestionsRefreshView(ScopedMixin, View):
    """POST: recompute the suggestions of a demand now."""

    model = MatchSuggestion
    action = "add"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        demand = _visible_demand(request, pk)
        extra: dict[str, Any] = {}
        try:
            rows = services.suggestions_refresh(actor=request.user, demand=demand)
        except IndexNotReady as exc:
            extra = _not_ready(request, exc)
        except (BusinessError, ScopeViolation) as exc:
            extra = {"error": _error_text(exc)}
        else:
            extra = {"notice": f"已重新计算，当前推荐 {len(rows)} 位劳模工匠"}
        return self._respond(request, demand, extra)

    def _respond(self, request: HttpRequest, demand: Demand, extra: dict[str, Any]) -> HttpResponse:
        if getattr(request, "htmx", None):
            return _render_panel(request, demand, **extra)
        if "error" in extra:
            messages.error(request, extra["error"])
        elif "notice" in extra:
            messages.success(request, extra["notice"])
        return redirect(demand.get_absolute_url() + "#match-suggestions")


class DemandSuggestionAddView(SubmitOnceMixin, DemandSuggestionsRefreshView):
    """POST: a person proposes a craftsman picked by name (source 人工), once per form token
    (``core.submissions``); a repeat answers with the panel and says nothing was added again."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        demand = _visible_demand(request, pk)
        self.form_token = submissions.token_from(request.POST)
        if submissions.submitted_url(user=request.user, token=self.form_token) is not None:
            return self._respond(request, demand, {"notice": submissions.REPLAYED_MESSAGE})
        form = ManualSuggestionForm(request.POST, user=request.user)
        extra: dict[str, Any]
        if not form.is_valid():
            extra = {"error": "；".join(str(e) for errors in form.errors.values() for e in errors)}
            return self._respond(request, demand, extra)
        craftsman = form.cleaned_data["craftsman"]
        try:
            self.create_once(
                lambda: services.suggestion_add_manual(
                    actor=request.user,
                    demand=demand,
                    craftsman=craftsman,
                    reason=form.cleaned_data["reason"],
                ),
                lambda _: demand.get_absolute_url(),
            )
        except (BusinessError, ScopeViolation, ValidationError) as exc:
            extra = {"error": _error_text(exc)}
        else:
            extra = {"notice": f"已添加人工推荐：{craftsman}"}
        return self._respond(request, demand, extra)


class SuggestionDecisionView(ScopedMixin, View):
    """POST confirm / reject / decline on one suggestion; answers with the demand's panel."""

    model = MatchSuggestion
    action = "decide"
    decision = "confirm"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        suggestion = self.get_object()
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else request.POST.get("reason", "")
        extra: dict[str, Any] = {}
        try:
            if self.decision == "confirm":
                services.suggestion_confirm(
                    actor=request.user, suggestion=suggestion, reason=reason
                )
                extra["notice"] = f"已确认：{suggestion.craftsman}"
            elif self.decision == "reject":
                services.suggestion_reject(actor=request.user, suggestion=suggestion, reason=reason)
                extra["notice"] = f"已拒绝：{suggestion.craftsman}"
            else:
                services.suggestion_record_decline(
                    actor=request.user, suggestion=suggestion, reason=reason
                )
                extra["notice"] = f"已记录工匠婉拒：{suggestion.craftsman}"
        except (BusinessError, ScopeViolation) as exc:
            extra = {"error": _error_text(exc)}
        demand = _visible_demand(request, suggestion.demand_id)
        if getattr(request, "htmx", None) and request.POST.get("panel") != "0":
            return _render_panel(request, demand, **extra)
        if "error" in extra:
            messages.error(request, extra["error"])
        else:
            messages.success(request, extra["notice"])
        target = request.POST.get("next") or ""
        if not target.startswith("/") or target.startswith("//"):
            target = demand.get_absolute_url() + "#match-suggestions"
        return redirect(target)


class SuggestionListView(ObjectListView):
    model = MatchSuggestion
    filterset_class = SuggestionFilterSet
    table_class = SuggestionTable
    title = "匹配建议"

    def get_table_queryset(self) -> Any:
        return selectors.suggestion_list(user=self.request.user).exclude(
            status=SuggestionStatus.SUPERSEDED
        )


# ------------------------------------------------------------------------------------------------
# 清单匹配
# ------------------------------------------------------------------------------------------------


class MatchListMixin(ScopedMixin):
    model = MatchSuggestion
    action = "view"
    permission = "matching.view_matchlist"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not request.user.has_perm(self.permission):
            raise PermissionDenied("您没有此操作的权限")
        return super().dispatch(request, *args, **kwargs)

    def demands(self) -> tuple[Any, MatchListFilterSet]:
        qs = demand_list(user=self.request.user).order_by("-submitted_at", "-pk")
        filterset = MatchListFilterSet(self.request.GET or None, queryset=qs, request=self.request)
        if filterset.is_bound and not filterset.is_valid():
            return qs.none(), filterset
        return filterset.qs, filterset


class MatchListView(MatchListMixin, View):
    template_name = "matching/matchlist.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        qs, filterset = self.demands()
        paginator = CappedCountPaginator(qs, MATCHLIST_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        context: dict[str, Any] = {
            "title": "清单匹配",
            "filter": filterset,
            "page": page,
            "paginator": paginator,
            "can_export": request.user.has_perm("matching.export_matchlist"),
            "export_max": settings.JIANGQIAO_MATCH_EXPORT_MAX,
            "query": params.urlencode(),
        }
        try:
            lines = selectors.matchlist_lines(user=request.user, demands=list(page.object_list))
        except IndexNotReady as exc:
            context.update(_not_ready(request, exc))
            lines = []
        context["lines"] = [
            {
                "line": line,
                "industries": list(
                    term_labels("industry", line.demand.industry_codes or []).values()
                ),
                "region": term_label("region", line.demand.region_code, line.demand.region_code),
            }
            for line in lines
        ]
        template = "matching/_matchlist_rows.html" if self._partial() else self.template_name
        return render(request, template, context)

    def _partial(self) -> bool:
        htmx = getattr(self.request, "htmx", None)
        return bool(htmx and not htmx.boosted)


class MatchListExportView(MatchListMixin, View):
    permission = "matching.export_matchlist"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        from jiangqiao.core.io.exporting import no_store, watermark
        from jiangqiao.core.sensitive import clean_purpose

        query = request.GET.copy()
        query.pop("_purpose", None)
        try:
            purpose = clean_purpose(request.GET.get("_purpose"), field="_purpose", what="导出")
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("matching:matchlist") + "?" + query.urlencode())
        qs, _ = self.demands()
        cap = int(settings.JIANGQIAO_MATCH_EXPORT_MAX)
        total = qs.order_by().count()
        demands = list(qs[:cap])
        try:
            lines = selectors.matchlist_lines(user=request.user, demands=demands)
        except IndexNotReady as exc:
            messages.error(request, f"{exc}，请稍后再导出")
            return redirect(reverse("matching:matchlist") + "?" + request.GET.urlencode())
        handle = write_workbook(
            lines, total=total, cap=cap, watermark=watermark(request.user, purpose)
        )
        record_operation(
            actor=request.user,
            module=services.MODULE,
            business_type=BusinessType.EXPORT,
            action=f"导出清单匹配：{len(demands)} 条需求；用途：{purpose}",
            params=dict(query.items()),
            extra={
                "demands": len(demands),
                "total": total,
                "capped": total > cap,
                "purpose": purpose,
            },
        )
        name = f"清单匹配_{timezone.localtime():%Y%m%d_%H%M}.xlsx"
        response = FileResponse(
            handle,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
        return no_store(response)


# ------------------------------------------------------------------------------------------------
# 平台匹配
# ------------------------------------------------------------------------------------------------


class RunListView(ObjectListView):
    model = MatchRun
    filterset_class = RunFilterSet
    table_class = RunTable
    title = "平台匹配"
    template_name = "matching/matchrun_list.html"

    def get_table_queryset(self) -> Any:
        return selectors.run_list(user=self.request.user)

    def add_url(self) -> str | None:
        return None

    def base_context(self) -> dict[str, Any]:
        user = self.request.user
        return {
            **super().base_context(),
            "start_form": RunStartForm(user=user) if self.perm("add") else None,
            "index": selectors.index_status(),
        }


class RunCreateView(SubmitOnceMixin, ScopedMixin, View):
    """启动平台匹配, once per form token (a double click starts one run)."""

    model = MatchRun
    action = "add"

    def replay_fallback_url(self) -> str:
        return reverse("matching:matchrun_list")

    def post(self, request: HttpRequest) -> HttpResponse:
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        form = RunStartForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(
                request, "；".join(str(e) for errors in form.errors.values() for e in errors)
            )
            return redirect("matching:matchrun_list")
        try:
            done = self.create_once(
                lambda: services.run_start(
                    actor=request.user,
                    org=form.cleaned_data["org"],
                    top_k=form.cleaned_data["top_k"],
                ),
                lambda run: str(run.get_absolute_url()),
            )
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, _error_text(exc))
            return redirect("matching:matchrun_list")
        if done.replayed:
            return self.replayed(done.url)
        messages.success(request, f"已启动{done.result}，进度见下方")
        return redirect(done.url)


def run_context(request: HttpRequest, run: MatchRun) -> dict[str, Any]:
    suggestions = (
        selectors.suggestion_list(user=request.user)
        .filter(run=run)
        .order_by("demand__number", "demand_id", "rank")
    )
    job = run.job
    percent = job.percent if job is not None else (100 if run.is_finished else 0)
    return {
        "object": run,
        "job": job,
        "percent": percent,
        "suggestions": [
            {"object": s, "color": SUGGESTION_STATUS_COLORS.get(s.status, "secondary")}
            for s in suggestions[:RUN_PAGE_ROWS]
        ],
        "rows_shown": RUN_PAGE_ROWS,
        "suggestion_total": suggestions.count(),
        "proposed_count": suggestions.filter(status=SuggestionStatus.PROPOSED).count(),
        "can_decide": request.user.has_perm("matching.decide_matchsuggestion"),
        "result": run.result or {},
    }


class RunDetailView(ObjectDetailView):
    model = MatchRun
    template_name = "matching/matchrun_detail.html"

    def get_extra_context(self, obj: MatchRun) -> dict[str, Any]:
        return {
            "title": f"{obj}：{obj.org}",
            **run_context(self.request, obj),
            "index": selectors.index_status(),
        }


class RunConfirmView(ScopedMixin, View):
    """POST: confirm the ticked proposals of a run at once; one message per row, in Chinese."""

    model = MatchRun

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = self.get_object()
        ids = [k for v in request.POST.getlist("suggestion") if (k := key_from_text(v)) is not None]
        try:
            results = services.suggestions_confirm_batch(
                actor=request.user,
                run=run,
                suggestion_ids=ids,
                reason=request.POST.get("reason", ""),
            )
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect(run.get_absolute_url())
        done = [r for r in results if r.ok]
        failed = [r for r in results if not r.ok]
        if done:
            messages.success(
                request,
                f"已确认 {len(done)} 条："
                + "；".join(r.label for r in done[:20])
                + (" 等" if len(done) > 20 else ""),
            )
        for r in failed[:20]:
            messages.error(request, f"未确认 {r.label}：{r.message}")
        if len(failed) > 20:
            messages.error(request, f"另有 {len(failed) - 20} 条未确认")
        return redirect(run.get_absolute_url())


class RunProgressView(ScopedMixin, View):
    """htmx poll: the progress bar; when the run has finished the page reloads with the results."""

    model = MatchRun

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = self.get_object()
        response = render(request, "matching/_run_progress.html", run_context(request, run))
        if run.is_finished or (run.job is not None and run.job.is_finished):
            response["HX-Refresh"] = "true"
        return response


# ------------------------------------------------------------------------------------------------
# 利益冲突申报
# ------------------------------------------------------------------------------------------------


class ConflictListView(ObjectListView):
    model = DeclaredConflict
    filterset_class = ConflictFilterSet
    table_class = ConflictTable
    title = "利益冲突申报"

    def get_table_queryset(self) -> Any:
        return selectors.conflict_list(user=self.request.user)


class ConflictDetailView(ObjectDetailView):
    model = DeclaredConflict
    template_name = "matching/declaredconflict_detail.html"

    def get_extra_context(self, obj: DeclaredConflict) -> dict[str, Any]:
        return {"title": str(obj)}


class ConflictEditView(ObjectEditView):
    model = DeclaredConflict
    form_class = DeclaredConflictForm

    def save_form(self, form: DeclaredConflictForm, obj: DeclaredConflict | None) -> Any:
        if obj is None:
            return services.conflict_create(
                actor=self.request.user,
                craftsman=form.cleaned_data["craftsman"],
                enterprise=form.cleaned_data["enterprise"],
                reason=form.cleaned_data["reason"],
            )
        return services.conflict_update(
            actor=self.request.user, conflict=obj, reason=form.cleaned_data["reason"]
        )


class ConflictStatusView(ObjectStatusView):
    model = DeclaredConflict

    def set_status(self, obj: DeclaredConflict, status: str) -> Any:
        return services.conflict_set_status(actor=self.request.user, conflict=obj, status=status)
