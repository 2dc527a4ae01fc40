from __future__ import annotations

from django.urls import path

from .views import audit, inbox, io, pages, pickers, tables, workdays

app_name = "core"

urlpatterns = [
    path("", pages.home, name="home"),
    path("picker/", pickers.picker, name="picker"),
    path("logs/changes/", pages.ChangeLogListView.as_view(), name="changelog_list"),
    path("logs/changes/<int:pk>/", pages.ChangeLogDetailView.as_view(), name="changelog_detail"),
    path("logs/operations/", pages.OperationLogListView.as_view(), name="operationlog_list"),
    path(
        "logs/operations/<int:pk>/",
        pages.OperationLogDetailView.as_view(),
        name="operationlog_detail",
    ),
    path("logs/audit/", audit.audit_chain, name="audit_chain"),
    path("logs/audit/export/", audit.audit_export, name="audit_export"),
    path("notifications/", inbox.notification_list, name="notification_list"),
    path("notifications/<int:pk>/", inbox.notification_detail, name="notification_detail"),
    path("notifications/read-all/", inbox.notification_read_all, name="notification_read_all"),
    path("notifications/settings/", inbox.notification_settings, name="notification_settings"),
    path("approvals/", inbox.approval_list, name="approval_list"),
    path("approvals/<int:pk>/", inbox.approval_detail, name="approval_detail"),
    path("tables/config/", tables.table_config, name="table_config"),
    path("jobs/", pages.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", pages.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/cancel/", pages.JobCancelView.as_view(), name="job_cancel"),
    path("jobs/<int:pk>/retry/", pages.JobRetryView.as_view(), name="job_retry"),
    path("imports/", io.ImportBatchListView.as_view(), name="importbatch_list"),
    path("imports/<int:pk>/", io.ImportBatchDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/action/", io.ImportBatchActionView.as_view(), name="import_action"),
    path("imports/<int:pk>/errors/", io.ImportErrorsView.as_view(), name="import_errors"),
    path("import/<str:key>/", io.ImportStartView.as_view(), name="import_start"),
    path("import/<str:key>/template/", io.ImportTemplateView.as_view(), name="import_template"),
    path("exports/<int:pk>/download/", io.ExportDownloadView.as_view(), name="export_download"),
    path("import-aliases/", io.ImportAliasListView.as_view(), name="importalias_list"),
    path("import-aliases/new/", io.ImportAliasEditView.as_view(), name="importalias_create"),
    path(
        "import-aliases/<int:pk>/edit/", io.ImportAliasEditView.as_view(), name="importalias_edit"
    ),
    path(
        "import-aliases/<int:pk>/status/",
        io.ImportAliasStatusView.as_view(),
        name="importalias_status",
    ),
]

urlpatterns += [
    path("workdays/", workdays.CalendarYearView.as_view(), name="calendarday_list"),
    path("workdays/new/", workdays.CalendarDayEditView.as_view(), name="calendarday_create"),
    path("workdays/bulk/", workdays.CalendarBulkView.as_view(), name="calendarday_bulk"),
    path(
        "workdays/<int:pk>/edit/", workdays.CalendarDayEditView.as_view(), name="calendarday_edit"
    ),
    path(
        "workdays/<int:pk>/delete/",
        workdays.CalendarDayDeleteView.as_view(),
        name="calendarday_delete",
    ),
]
