from __future__ import annotations

from django.urls import path

from . import upgrade_pages, urls_claims, views, views_boards
from .session_pages import urlpatterns as session_urlpatterns

app_name = "casework"

urlpatterns = [
    path("offers/", views.OfferListView.as_view(), name="offer_list"),
    path("offers/mine/", views.MyOffersView.as_view(), name="my_offers"),
    path("offers/<int:pk>/", views.OfferDetailView.as_view(), name="offer_detail"),
    path(
        "offers/<int:pk>/contacts/",
        views.OfferRevealContactsView.as_view(),
        name="offer_reveal_contacts",
    ),
    path("offers/<int:pk>/<str:step>/", views.OfferStepView.as_view(), name="offer_step"),
    path("agreements/", views.AgreementListView.as_view(), name="agreement_list"),
    path("agreements/new/", views.AgreementCreateView.as_view(), name="agreement_create"),
    path("agreements/<int:pk>/", views.AgreementDetailView.as_view(), name="agreement_detail"),
    path("demands/<int:pk>/panel/", views.DemandPanelView.as_view(), name="demand_panel"),
    path("demands/<int:pk>/triage/", views.DemandTriageView.as_view(), name="demand_triage"),
    path("demands/<int:pk>/merge/", views.DemandMergeView.as_view(), name="demand_merge"),
    path("demands/<int:pk>/<str:step>/", views.DemandStepView.as_view(), name="demand_step"),
    path("queue/", views_boards.QueueView.as_view(), name="queue"),
    path("queue/taskforce/", views_boards.TaskForceQueueView.as_view(), name="taskforce_queue"),
    path("aging/", views_boards.AgingBoardView.as_view(), name="aging"),
    *session_urlpatterns,
]

# Publication, claims, direct requests, assignments (issue 13 points 2 and 5).
urlpatterns += urls_claims.urlpatterns
# 技能提升记录: the list behind 技能提升人次 (issue 16).
urlpatterns += upgrade_pages.urlpatterns
