from __future__ import annotations

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("me/", views.MyPrivacyView.as_view(), name="me"),
    path("me/consents/<str:purpose>/<str:op>/", views.MyConsentView.as_view(), name="my_consent"),
    path("me/requests/<str:kind>/", views.RequestCreateView.as_view(), name="request_create"),
    path(
        "me/requests/<int:pk>/download/",
        views.ExportDownloadView.as_view(),
        name="export_download",
    ),
    path("requests/", views.RequestListView.as_view(), name="request_list"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path(
        "requests/<int:pk>/<str:step>/",
        views.RequestDetailView.as_view(),
        name="request_step",
    ),
]
