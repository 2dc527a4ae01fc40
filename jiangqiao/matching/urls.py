from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "matching"

urlpatterns = [
    path(
        "demands/<int:pk>/suggestions/",
        views.DemandSuggestionsView.as_view(),
        name="demand_suggestions",
    ),
    path(
        "demands/<int:pk>/suggestions/refresh/",
        views.DemandSuggestionsRefreshView.as_view(),
        name="demand_suggestions_refresh",
    ),
    path(
        "demands/<int:pk>/suggestions/add/",
        views.DemandSuggestionAddView.as_view(),
        name="demand_suggestion_add",
    ),
    path("suggestions/", views.SuggestionListView.as_view(), name="matchsuggestion_list"),
    path(
        "suggestions/<int:pk>/confirm/",
        views.SuggestionDecisionView.as_view(decision="confirm"),
        name="suggestion_confirm",
    ),
    path(
        "suggestions/<int:pk>/reject/",
        views.SuggestionDecisionView.as_view(decision="reject"),
        name="suggestion_reject",
    ),
    path(
        "suggestions/<int:pk>/decline/",
        views.SuggestionDecisionView.as_view(decision="decline"),
        name="suggestion_decline",
    ),
    path("list/", views.MatchListView.as_view(), name="matchlist"),
    path("list/export/", views.MatchListExportView.as_view(), name="matchlist_export"),
    path("runs/", views.RunListView.as_view(), name="matchrun_list"),
    path("runs/new/", views.RunCreateView.as_view(), name="matchrun_create"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="matchrun_detail"),
    path("runs/<int:pk>/confirm/", views.RunConfirmView.as_view(), name="matchrun_confirm"),
    path("runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="matchrun_progress"),
    path("conflicts/", views.ConflictListView.as_view(), name="declaredconflict_list"),
    path("conflicts/new/", views.ConflictEditView.as_view(), name="declaredconflict_create"),
    path("conflicts/<int:pk>/", views.ConflictDetailView.as_view(), name="declaredconflict_detail"),
    path(
        "conflicts/<int:pk>/edit/", views.ConflictEditView.as_view(), name="declaredconflict_edit"
    ),
    # 服务记录 moved to 服务办理 (/casework/sessions/): old links and bookmarks still arrive.
    path(
        "records/",
        RedirectView.as_view(pattern_name="casework:servicerecord_list", query_string=True),
    ),
    path(
        "records/new/",
        RedirectView.as_view(pattern_name="casework:servicerecord_create", query_string=True),
    ),
    path("records/<int:pk>/", RedirectView.as_view(pattern_name="casework:servicerecord_detail")),
    path(
        "conflicts/<int:pk>/status/",
        views.ConflictStatusView.as_view(),
        name="declaredconflict_status",
    ),
]
