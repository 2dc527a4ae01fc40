from __future__ import annotations

from django.urls import path

from . import views

app_name = "talents"

urlpatterns = [
    path("craftsmen/", views.CraftsmanListView.as_view(), name="craftsman_list"),
    path("craftsmen/new/", views.CraftsmanEditView.as_view(), name="craftsman_create"),
    path("craftsmen/<int:pk>/", views.CraftsmanDetailView.as_view(), name="craftsman_detail"),
    path("craftsmen/<int:pk>/edit/", views.CraftsmanEditView.as_view(), name="craftsman_edit"),
    path(
        "craftsmen/<int:pk>/status/", views.CraftsmanStatusView.as_view(), name="craftsman_status"
    ),
    path(
        "craftsmen/<int:pk>/reveal/", views.CraftsmanRevealView.as_view(), name="craftsman_reveal"
    ),
    path("craftsmen/<int:pk>/honours/new/", views.HonourEditView.as_view(), name="honour_create"),
    path(
        "craftsmen/<int:pk>/honours/<int:child_pk>/edit/",
        views.HonourEditView.as_view(),
        name="honour_edit",
    ),
    path(
        "craftsmen/<int:pk>/honours/<int:child_pk>/delete/",
        views.ChildDeleteView.as_view(child_model=views.Honour),
        name="honour_delete",
    ),
    path(
        "craftsmen/<int:pk>/items/new/",
        views.ServiceItemEditView.as_view(),
        name="serviceitem_create",
    ),
    path(
        "craftsmen/<int:pk>/items/<int:child_pk>/edit/",
        views.ServiceItemEditView.as_view(),
        name="serviceitem_edit",
    ),
    path(
        "craftsmen/<int:pk>/items/<int:child_pk>/delete/",
        views.ChildDeleteView.as_view(child_model=views.ServiceItem),
        name="serviceitem_delete",
    ),
    path(
        "craftsmen/<int:pk>/consents/<str:purpose>/<str:op>/",
        views.ConsentView.as_view(),
        name="consent_change",
    ),
    path("me/", views.MyProfileView.as_view(), name="my_profile"),
    path("teams/", views.ServiceTeamListView.as_view(), name="serviceteam_list"),
    path("teams/new/", views.ServiceTeamEditView.as_view(), name="serviceteam_create"),
    path("teams/<int:pk>/", views.ServiceTeamDetailView.as_view(), name="serviceteam_detail"),
    path("teams/<int:pk>/edit/", views.ServiceTeamEditView.as_view(), name="serviceteam_edit"),
    path(
        "teams/<int:pk>/status/", views.ServiceTeamStatusView.as_view(), name="serviceteam_status"
    ),
    path(
        "teams/<int:pk>/members/add/",
        views.ServiceTeamMemberView.as_view(op="add"),
        name="serviceteam_member_add",
    ),
    path(
        "teams/<int:pk>/members/<int:member_pk>/remove/",
        views.ServiceTeamMemberView.as_view(op="remove"),
        name="serviceteam_member_remove",
    ),
    path(
        "teams/<int:pk>/members/<int:member_pk>/lead/",
        views.ServiceTeamMemberView.as_view(op="lead"),
        name="serviceteam_set_lead",
    ),
]
