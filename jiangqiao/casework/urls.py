from __future__ import annotations

from django.urls import path

from . import views, views_boards

app_name = "casework"

urlpatterns = [
    path("offers/", views.OfferListView.as_view(), name="offer_list"),
    path("offers/mine/", views.MyOffersView.as_view(), name="my_offers"),
    path("offers/<int:pk>/", views.OfferDetailView.as_view(), name="offer_detail"),
    path("offers/<int:pk>/<str:step>/", views.OfferStepView.as_view(), name="offer_step"),
    path("demands/<int:pk>/panel/", views.DemandPanelView.as_view(), name="demand_panel"),
    path("demands/<int:pk>/triage/", views.DemandTriageView.as_view(), name="demand_triage"),
    path("demands/<int:pk>/<str:step>/", views.DemandStepView.as_view(), name="demand_step"),
    path("queue/", views_boards.QueueView.as_view(), name="queue"),
    path("queue/taskforce/", views_boards.TaskForceQueueView.as_view(), name="taskforce_queue"),
    path("aging/", views_boards.AgingBoardView.as_view(), name="aging"),
]
