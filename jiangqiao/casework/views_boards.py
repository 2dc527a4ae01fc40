"""Pages of a unit's work: the triage queue, the task force's queue and the aging board.

Thin views: the unit comes from ``?unit=`` (only a unit the user may see; default the user's own),
the rows from ``casework.queues`` (scoped through ``visible_to``), the filters from
``QueueFilterSet``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views import View

from jiangqiao.core.pagination import CappedCountPaginator
from jiangqiao.core.pickers import key_from_text
from jiangqiao.core.views.generic import ScopedMixin
from jiangqiao.demands.models import Demand
from jiangqiao.orgs.models import Organization

from . import queues
from .filtersets import QueueFilterSet

PER_PAGE = 50


class StaffBoardMixin(ScopedMixin):
    """Demands in the user's scope, for staff who handle them (not craftsmen, not enterprises)."""

    model = Demand
    action = "view"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.has_perm("casework.assign_offer"):
            raise PermissionDenied("只有承办需求的工会工作人员可以查看")
        return super().dispatch(request, *args, **kwargs)

    def unit(self, default_own: bool) -> Organization | None:
        """``?unit=<id>`` within the user's scope (404 otherwise); else the user's own unit."""
        raw = self.request.GET.get("unit", "")
        if raw:
            key = key_from_text(raw)
            if key is None:
                raise Http404
            org = Organization.objects.visible_to(self.request.user).filter(pk=key).first()
            if org is None:
                raise Http404("该单位不在您的数据范围内")
            return org
        return getattr(self.request.user, "org", None) if default_own else None

    def subtree(self, default: bool) -> bool:
        raw = self.request.GET.get("subtree")
        return default if raw is None else raw in ("1", "true", "on")

    def unit_choices(self, current: Organization | None) -> list[Organization]:
        """The user's unit, the current unit's parent (if visible) and its children."""
        user = self.request.user
        visible = Organization.objects.visible_to(user)
        found: dict[int, Organization] = {}
        own = getattr(user, "org", None)
        if own is not None:
            found[own.pk] = own
        if current is not None:
            found[current.pk] = current
            if current.parent_id:
                parent = visible.filter(pk=current.parent_id).first()
                if parent is not None:
                    found[parent.pk] = parent
        base = current or own
        if base is not None:
            for child in visible.filter(parent_id=base.pk).order_by("name")[:100]:
                found[child.pk] = child
        return sorted(found.values(), key=lambda o: (o.path.count("/"), o.name))


class QueueView(StaffBoardMixin, View):
    """A unit's queue: its demands by state and age, the escalation ladder of each."""

    template_name = "casework/queue.html"
    title = "需求队列"
    task_force = False

    def rows(self) -> tuple[Any, Organization | None, bool]:
        if self.request.GET.get("unit") or not self.subtree(False):
            org = self.unit(default_own=True)
        else:
            org = None  # ?subtree=1 without a unit: everything in the user's scope
        subtree = self.subtree(False)
        return queues.unit_queue(user=self.request.user, org=org, subtree=subtree), org, subtree

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        base, org, subtree = self.rows()
        data = request.GET.copy()
        for name in ("page", "unit", "subtree"):
            data.pop(name, None)
        filterset = QueueFilterSet(data or None, queryset=base, request=request)
        qs = filterset.qs if filterset.is_bound and filterset.is_valid() else base
        if filterset.is_bound and not filterset.is_valid():
            qs = base.none()
        page = CappedCountPaginator(qs, PER_PAGE).get_page(request.GET.get("page"))
        keep = request.GET.copy()
        keep.pop("page", None)
        return render(
            request,
            self.template_name,
            {
                "title": self.title,
                "task_force": self.task_force,
                "unit": org,
                "subtree": subtree,
                "units": [] if self.task_force else self.unit_choices(org),
                "filter": filterset,
                "page_obj": page,
                "rows": queues.queue_rows(user=request.user, demands=list(page.object_list)),
                "states": queues.state_counts(base),
                "query": keep.urlencode(),
            },
        )


class TaskForceQueueView(QueueView):
    """省总工作专班: demands escalated to the province or triaged for provincial coordination."""

    title = "省总工作专班队列"
    task_force = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not queues.is_task_force(request.user):
            raise PermissionDenied("只有省总工作专班可以查看此队列")
        return super().dispatch(request, *args, **kwargs)

    def rows(self) -> tuple[Any, Organization | None, bool]:
        return queues.task_force_queue(user=self.request.user), None, True


class AgingBoardView(StaffBoardMixin, View):
    """Counts by state × age band (working days in the state); each number opens its list."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org = self.unit(default_own=False)
        subtree = self.subtree(True)
        board = queues.aging_board(user=request.user, org=org, subtree=subtree)
        return render(
            request,
            "casework/aging.html",
            {
                "title": "超期看板",
                "board": board,
                "unit": org,
                "subtree": subtree,
                "units": self.unit_choices(org),
                "escalate_days": queues.escalate_days(),
            },
        )
