from __future__ import annotations

from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.OrganizationListView.as_view(), name="organization_list"),
    path("new/", views.OrganizationEditView.as_view(), name="organization_create"),
    path("<int:pk>/", views.OrganizationDetailView.as_view(), name="organization_detail"),
    path("<int:pk>/edit/", views.OrganizationEditView.as_view(), name="organization_edit"),
    path("<int:pk>/status/", views.OrganizationStatusView.as_view(), name="organization_status"),
    path("<int:pk>/move/", views.OrganizationMoveView.as_view(), name="organization_move"),
]
