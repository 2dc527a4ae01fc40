"""Reads for the home page and the logs (always scoped to the requesting user)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import ChangeLog, Job, OperationLog


def changelog_list(*, user: Any) -> QuerySet[ChangeLog]:
    return ChangeLog.objects.visible_to(user).select_related("content_type", "org")


def operationlog_list(*, user: Any) -> QuerySet[OperationLog]:
    return OperationLog.objects.visible_to(user)


def job_list(*, user: Any) -> QuerySet[Job]:
    return Job.objects.visible_to(user).select_related("created_by")


def home_summary(*, user: Any) -> dict[str, Any]:
    """Figures for the home page: only what the user may see."""
    from jiangqiao.accounts.models import User
    from jiangqiao.orgs.models import Organization

    summary: dict[str, Any] = {"cards": []}
    if user.has_perm("orgs.view_organization"):
        summary["cards"].append(
            {
                "label": "组织",
                "value": Organization.objects.visible_to(user).count(),
                "url_name": "orgs:organization_list",
            }
        )
    if user.has_perm("accounts.view_user"):
        summary["cards"].append(
            {
                "label": "用户",
                "value": User.objects.visible_to(user).count(),
                "url_name": "accounts:user_list",
            }
        )
    if user.has_perm("core.view_operationlog"):
        summary["recent_operations"] = operationlog_list(user=user)[:8]
    if user.has_perm("core.view_job"):
        summary["recent_jobs"] = job_list(user=user)[:5]
    return summary
