from __future__ import annotations

from django.urls import path

from . import views, views_attachments, views_campaigns, views_intake

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
    path("register/", views_intake.RegisterView.as_view(), name="register"),
    path("register/done/", views_intake.RegisterDoneView.as_view(), name="register_done"),
    path(
        "registrations/",
        views_intake.RegistrationListView.as_view(),
        name="registration_list",
    ),
    path(
        "registrations/<int:pk>/",
        views_intake.RegistrationDetailView.as_view(),
        name="registration_detail",
    ),
    path(
        "registrations/<int:pk>/decide/",
        views_intake.RegistrationDecideView.as_view(),
        name="registration_decide",
    ),
    path("assisted/", views_intake.AssistedEntryView.as_view(), name="assisted_entry"),
    path(
        "assisted/<int:pk>/confirm/",
        views_intake.AssistedConfirmView.as_view(),
        name="assisted_confirm",
    ),
    path(
        "assisted/<int:pk>/done/",
        views_intake.AssistedDoneView.as_view(),
        name="assisted_done",
    ),
    path("", views.DemandListView.as_view(), name="demand_list"),
    path("new/", views.DemandEditView.as_view(), name="demand_create"),
    path("submit/", views.DemandSubmitView.as_view(), name="demand_submit"),
    path("submit/<int:pk>/done/", views.DemandSubmittedView.as_view(), name="demand_submitted"),
    # Collection campaigns (征集活动): staff pages, and the public link (c/<token>/).
    path("campaigns/", views_campaigns.CampaignListView.as_view(), name="campaign_list"),
    path(
        "campaigns/summary/",
        views_campaigns.CampaignSummaryView.as_view(),
        name="campaign_summary",
    ),
    path("campaigns/new/", views_campaigns.CampaignEditView.as_view(), name="campaign_create"),
    path(
        "campaigns/<int:pk>/",
        views_campaigns.CampaignDetailView.as_view(),
        name="campaign_detail",
    ),
    path(
        "campaigns/<int:pk>/edit/",
        views_campaigns.CampaignEditView.as_view(),
        name="campaign_edit",
    ),
    path(
        "campaigns/<int:pk>/action/",
        views_campaigns.CampaignActionView.as_view(),
        name="campaign_action",
    ),
    path(
        "campaigns/<int:pk>/poster.pdf",
        views_campaigns.CampaignPosterView.as_view(),
        name="campaign_poster",
    ),
    path("c/<str:token>/", views_campaigns.CampaignPublicView.as_view(), name="campaign_public"),
    path("<int:pk>/", views.DemandDetailView.as_view(), name="demand_detail"),
    path("<int:pk>/edit/", views.DemandEditView.as_view(), name="demand_edit"),
    *views_attachments.urlpatterns,
]
