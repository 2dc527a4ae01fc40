"""Home page, the log pages and the job pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views import View

from jiangqiao.core import home as home_panels
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.filtersets import ChangeLogFilterSet, JobFilterSet, OperationLogFilterSet
from jiangqiao.core.jobs import job_cancel, job_retry, mark_stale_jobs, worker_warning
from jiangqiao.core.models import ChangeLog, Job, OperationLog
from jiangqiao.core.tables import ChangeLogTable, JobTable, OperationLogTable
from jiangqiao.core.views.generic import ObjectDetailView, ObjectListView, ScopedMixin


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page: the panels the apps registered that this user may see (``core.home``)."""
    return render(
        request, "core/home.html", {"title": "首页", "panels": home_panels.render_for(request)}
    )


class ChangeLogListView(ObjectListView):
    model = ChangeLog
    filterset_class = ChangeLogFilterSet
    table_class = ChangeLogTable
    title = "变更日志"

    def get_table_queryset(self) -> Any:
        return self.get_queryset().select_related("content_type", "org", "user")


class ChangeLogDetailView(ObjectDetailView):
    model = ChangeLog
    template_name = "core/changelog_detail.html"
    changelog_tab = False

    def get_extra_context(self, obj: ChangeLog) -> dict[str, Any]:
        related = (
            ChangeLog.objects.visible_to(self.request.user)
            .filter(request_id=obj.request_id)
            .exclude(pk=obj.pk)[:50]
            if obj.request_id
            else []
        )
        from django.utils.html import strip_tags

        from jiangqiao.core.audit_names import name_changes

        name_changes([obj], self.request.user)
        title = f"{obj.get_action_display()} {strip_tags(obj.object_html)}"  # type: ignore[attr-defined]
        return {"title": title, "diff": obj.named_diff, "related": related}  # type: ignore[attr-defined]


class OperationLogListView(ObjectListView):
    model = OperationLog
    filterset_class = OperationLogFilterSet
    table_class = OperationLogTable
    title = "操作日志"

    def get_table_queryset(self) -> Any:
        return self.get_queryset().select_related("user")


class OperationLogDetailView(ObjectDetailView):
    model = OperationLog
    template_name = "core/operationlog_detail.html"
    changelog_tab = False


class JobListView(ObjectListView):
    """The jobs list; says when no worker is running and marks stale jobs 已中断 first."""

    model = Job
    filterset_class = JobFilterSet
    table_class = JobTable
    title = "后台任务"
    template_name = "core/job_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        mark_stale_jobs()
        return super().get(request, *args, **kwargs)

    def base_context(self) -> dict[str, Any]:
        return {**super().base_context(), "worker_warning": worker_warning()}

    def get_table_queryset(self) -> Any:
        return self.get_queryset().select_related("created_by")


class JobDetailView(ObjectDetailView):
    model = Job
    template_name = "core/job_detail.html"
    changelog_tab = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mark_stale_jobs()
        htmx = getattr(request, "htmx", None)
        if htmx and not htmx.boosted:
            job = self.get_object()
            return render(request, "core/_job_progress.html", self._live(job))
        return super().get(request, *args, **kwargs)

    def _live(self, job: Job) -> dict[str, Any]:
        """The progress partial's context: the job, the permissions, the worker's state."""
        warning = worker_warning() if not job.is_finished else None
        return {
            "object": job,
            "worker_warning": warning,
            "can_cancel": self.request.user.has_perm("core.cancel_job"),
        }

    def get_extra_context(self, obj: Job) -> dict[str, Any]:
        return {"title": obj.title, **self._live(obj)}


class JobCancelView(ScopedMixin, View):
    model = Job
    action = "cancel"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_object()
        try:
            job_cancel(actor=request.user, job=job)
        except BusinessError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已请求取消任务")
        return redirect(job.get_absolute_url())

    def get_queryset(self) -> Any:
        # Cancelling needs the cancel permission and the job within the view scope.
        return Job.objects.visible_to(self.request.user, "view")


class JobRetryView(ScopedMixin, View):
    model = Job
    action = "add"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = Job.objects.visible_to(request.user, "view").filter(pk=pk).first()
        if job is None:
            return render(request, "404.html", status=404)
        try:
            new_job = job_retry(actor=request.user, job=job)
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect(job.get_absolute_url())
        messages.success(request, "已重新提交任务")
        return redirect(new_job.get_absolute_url())
