"""The home page, assembled from panels that each app registers (as the menu is: ``navigation``).

Core is the ground floor: it holds the registry, renders the panels a user may see and registers
only panels about its own rows (the user's account, his background jobs, recent operations).
Every other app declares its panels in its own ``home.py``, which core imports once at start-up
(``autodiscover()``, called from ``CoreConfig.ready``)::

    # jiangqiao/casework/home.py
    from jiangqiao.core.home import HomePanel, register

    register(
        HomePanel(
            "casework.todo",
            "待办事项",
            template="casework/home/_todo.html",
            context=todo_context,              # (request) -> dict, or None to hide the panel
            permission="casework.assign_offer",
            visible=is_union_staff,            # (user) -> bool, after the permission
            weight=100,
        )
    )

A panel is shown when the user holds its ``permission`` (if any), its ``visible(user)`` predicate
(if any) returns true, and its ``context(request)`` does not return ``None`` (a panel with nothing
to say can hide itself). Panels are ordered by ``(weight, name)``; ``width`` is the Bootstrap
column class. Registering a name again replaces the panel (a module reloaded in tests).

Weights in use: 100–300 the role's own work (staff to-do, 150 a self-registrant's request waiting
for his union unit, the enterprise's demands, the craftsman's offers), 500 the system panel of the administrators, 800–900 core's own panels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string


@dataclass(frozen=True)
class HomePanel:
    name: str
    title: str
    template: str
    context: Callable[[Any], dict[str, Any] | None] = field(compare=False)
    permission: str | None = None
    visible: Callable[[Any], bool] | None = field(default=None, compare=False)
    weight: int = 0
    width: str = "col-12"

    def shown_to(self, user: Any) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        if self.permission and not user.has_perm(self.permission):
            return False
        return self.visible is None or bool(self.visible(user))


@dataclass(frozen=True)
class RenderedPanel:
    name: str
    title: str
    width: str
    html: str  # rendered by the template engine: already a SafeString


class Registry:
    def __init__(self) -> None:
        self._panels: dict[str, HomePanel] = {}

    def register(self, *panels: HomePanel) -> None:
        for panel in panels:
            self._panels[panel.name] = panel

    def unregister(self, name: str) -> None:
        self._panels.pop(name, None)

    def panels(self) -> list[HomePanel]:
        return sorted(self._panels.values(), key=lambda p: (p.weight, p.name))

    def panels_for(self, user: Any) -> list[HomePanel]:
        return [p for p in self.panels() if p.shown_to(user)]

    def render_for(self, request: Any) -> list[RenderedPanel]:
        """The HTML of each panel ``request.user`` may see, in order."""
        result = []
        for panel in self.panels_for(request.user):
            context = panel.context(request)
            if context is None:
                continue
            html = render_to_string(panel.template, {"panel": panel, **context}, request=request)
            result.append(RenderedPanel(panel.name, panel.title, panel.width, html))
        return result


@dataclass(frozen=True)
class WorkCount:
    """One count on a to-do panel: a label, the count and the list it links to."""

    key: str
    label: str
    count: int
    url: str
    red: bool = False


def list_link(name: str, **params: Any) -> str:
    """The URL of the list ``name`` filtered by ``params`` (empty values left out)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = urlencode([(k, v) for k, v in params.items() if v not in (None, "")], doseq=True)
    return reverse(name) + (f"?{query}" if query else "")


def filtered_rows(filterset_class: Any, queryset: Any, url: str, request: Any) -> Any:
    """The rows the list behind ``url`` shows: the same FilterSet on the same scoped rows."""
    from django.http import QueryDict

    data = QueryDict(url.split("?", 1)[1] if "?" in url else "")
    filterset = filterset_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():  # pragma: no cover - the links are built by the panels
        return queryset.none()
    return filterset.qs


def filtered_count(filterset_class: Any, queryset: Any, url: str, request: Any) -> int:
    """Count what the list behind ``url`` shows: the same FilterSet on the same scoped rows."""
    return int(filtered_rows(filterset_class, queryset, url, request).count())


registry = Registry()


def register(*panels: HomePanel) -> None:
    registry.register(*panels)


def panels_for(user: Any) -> list[HomePanel]:
    return registry.panels_for(user)


def render_for(request: Any) -> list[RenderedPanel]:
    return registry.render_for(request)


def autodiscover() -> None:
    """Import every installed app's ``home`` module (once; importing again is a no-op)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("home")


# Core's own panels: about the user's account, his jobs and the operations log only.


def _account_context(request: Any) -> dict[str, Any]:
    return {}


#: The job states a panel counts: what runs now and what ended badly (each links to its list).
JOB_COUNTS = (
    ("running", "运行中", "running", False),
    ("queued", "排队中", "queued", False),
    ("failed", "失败", "failed", True),
    ("interrupted", "已中断", "interrupted", True),
)


def job_counts(*, user: Any, request: Any = None) -> list[WorkCount]:
    """Running, queued, failed and interrupted jobs the user may see, each the count of the
    job list filtered by that state (``core:job_list?status=…``); for the panels of other apps
    (the system administrator's)."""
    from .filtersets import JobFilterSet
    from .jobs import mark_stale_jobs
    from .selectors import job_list

    # As the job list does first: a running job whose worker died is 已中断, not 运行中.
    mark_stale_jobs()
    jobs = job_list(user=user)
    items = []
    for key, label, status, alarming in JOB_COUNTS:
        url = list_link("core:job_list", status=status)
        n = filtered_count(JobFilterSet, jobs, url, request)
        items.append(WorkCount(key, label, n, url, red=alarming and n > 0))
    return items


def _jobs_context(request: Any) -> dict[str, Any] | None:
    from .selectors import job_list

    jobs = list(job_list(user=request.user)[:5])
    return {"recent_jobs": jobs} if jobs else None


def _operations_context(request: Any) -> dict[str, Any]:
    from .selectors import operationlog_list

    return {"recent_operations": operationlog_list(user=request.user).select_related("user")[:8]}


register(
    HomePanel(
        "core.jobs",
        "最近的后台任务",
        template="core/home/_jobs.html",
        context=_jobs_context,
        permission="core.view_job",
        weight=800,
        width="col-lg-6",
    ),
    HomePanel(
        "core.account",
        "我的账号",
        template="core/home/_account.html",
        context=_account_context,
        weight=850,
        width="col-lg-6",
    ),
    HomePanel(
        "core.operations",
        "最近的操作",
        template="core/home/_operations.html",
        context=_operations_context,
        permission="core.view_operationlog",
        weight=900,
    ),
)
