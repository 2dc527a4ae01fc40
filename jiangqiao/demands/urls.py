from __future__ import annotations

from django.urls import path

from . import attachment_pages, views

app_name = "demands"

urlpatterns = [
    path("enterprises/", views.EnterpriseListView.as_view(), name="enterprise_list"),
    path("enterprises/new/", views.EnterpriseEditView.as_view(), name="enterprise_create"),
    path("enterprises/<int:pk>/", views.EnterpriseDetailView.as_view(), name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.EnterpriseEditView.as_view(), name="enterprise_edit"),
    path(
        "enterprises/<int:pk>/status/",
        views.EnterpriseStatusView.as_view(),
        name="enterprise_status",
    ),
    path(
        "enterprises/<int:pk>/reveal/",
        views.EnterpriseRevealView.as_view(),
        name="enterprise_reveal",
    ),
    path(
        "enterprises/<int:pk>/contacts/new/",
        views.ContactAddView.as_view(),
        name="enterprise_contact_add",
    ),
    path(
        "enterprises/<int:pk>/contacts/<int:contact_pk>/remove/",
        views.ContactRemoveView.as_view(),
        name="enterprise_contact_remove",
    ),
    path("", views.DemandListView.as_view(), name="demand_list"),
    path("new/", views.DemandEditView.as_view(), name="demand_create"),
    path("submit/", views.DemandSubmitView.as_view(), name="demand_submit"),
    path("submit/<int:pk>/done/", views.DemandSubmittedView.as_view(), name="demand_submitted"),
    path("<int:pk>/", views.DemandDetailView.as_view(), name="demand_detail"),
    path("<int:pk>/edit/", views.DemandEditView.as_view(), name="demand_edit"),
    *attachment_pages.urlpatterns,
]
