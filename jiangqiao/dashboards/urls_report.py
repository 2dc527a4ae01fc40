"""Routes of the 上报统计表 (included by ``dashboards/urls.py``, namespace ``dashboards``)."""

from __future__ import annotations

from django.urls import path

from . import report_views

urlpatterns = [
    path("report/", report_views.ReportExportView.as_view(), name="report_export"),
    path("report/<int:pk>/", report_views.ReportProgressView.as_view(), name="report_progress"),
    path(
        "report/<int:pk>/download/<str:fmt>/",
        report_views.ReportDownloadView.as_view(),
        name="report_download",
    ),
]
