"""URLs of the claim list, claims, direct requests and assignments (appended to casework.urls)."""

from __future__ import annotations

from django.urls import path

from . import views_claims as v

urlpatterns = [
    path("published/", v.PublishedListView.as_view(), name="published_list"),
    path("published/<int:pk>/", v.PublishedDetailView.as_view(), name="published_detail"),
    path("claims/", v.ClaimListView.as_view(), name="claim_list"),
    path("claims/mine/", v.MyClaimsView.as_view(), name="my_claims"),
    path("claims/<int:pk>/<str:step>/", v.ClaimStepView.as_view(), name="claim_step"),
    path(
        "claims/demands/<int:pk>/panel/",
        v.DemandClaimsPanelView.as_view(),
        name="claims_panel",
    ),
    path(
        "claims/demands/<int:pk>/<str:step>/",
        v.DemandClaimsStepView.as_view(),
        name="claims_step",
    ),
]
