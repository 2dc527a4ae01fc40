from __future__ import annotations

from django.urls import path

from . import urls_cockpit, urls_report, views_custom, views_targets

app_name = "dashboards"

urlpatterns = [
    path("targets/", views_targets.TargetUnitView.as_view(), name="targets"),
    path("targets/split/", views_targets.TargetSplitView.as_view(), name="target_split"),
    path("targets/own/", views_targets.TargetOwnView.as_view(), name="target_own"),
    path("targets/list/", views_targets.TargetListView.as_view(), name="target_list"),
    path(
        "targets/history/",
        views_targets.TargetUnitHistoryView.as_view(),
        name="target_unit_history",
    ),
    path(
        "targets/<int:pk>/history/",
        views_targets.TargetHistoryView.as_view(),
        name="target_history",
    ),
]

urlpatterns += [
    path("indicators/", views_custom.CustomIndicatorListView.as_view(), name="custom_indicators"),
    path(
        "indicators/new/",
        views_custom.CustomIndicatorFormView.as_view(),
        name="custom_indicator_add",
    ),
    path(
        "indicators/<int:pk>/edit/",
        views_custom.CustomIndicatorFormView.as_view(),
        name="custom_indicator_edit",
    ),
    path(
        "indicators/<int:pk>/retire/",
        views_custom.CustomIndicatorStatusView.as_view(action="retire"),
        name="custom_indicator_retire",
    ),
    path(
        "indicators/<int:pk>/restore/",
        views_custom.CustomIndicatorStatusView.as_view(action="restore"),
        name="custom_indicator_restore",
    ),
]
urlpatterns += urls_report.urlpatterns
urlpatterns += urls_cockpit.urlpatterns
