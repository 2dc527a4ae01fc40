from __future__ import annotations

from django.urls import path

from .views import pages

app_name = "core"

urlpatterns = [
    path("", pages.home, name="home"),
    path("logs/changes/", pages.ChangeLogListView.as_view(), name="changelog_list"),
    path("logs/changes/<int:pk>/", pages.ChangeLogDetailView.as_view(), name="changelog_detail"),
    path("logs/operations/", pages.OperationLogListView.as_view(), name="operationlog_list"),
    path(
        "logs/operations/<int:pk>/",
        pages.OperationLogDetailView.as_view(),
        name="operationlog_detail",
    ),
    path("jobs/", pages.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", pages.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/cancel/", pages.JobCancelView.as_view(), name="job_cancel"),
    path("jobs/<int:pk>/retry/", pages.JobRetryView.as_view(), name="job_retry"),
]
