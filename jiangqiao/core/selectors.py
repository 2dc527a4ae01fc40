"""Reads for the logs and jobs (always scoped to the requesting user)."""

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
