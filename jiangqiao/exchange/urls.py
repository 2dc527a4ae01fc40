from __future__ import annotations

from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.BatchListView.as_view(), name="exchangebatch_list"),
    path("<int:pk>/", views.BatchDetailView.as_view(), name="exchangebatch_detail"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("peers/", views.PeerListView.as_view(), name="peer_list"),
    path("peers/add/", views.PeerFormView.as_view(), name="peer_add"),
    path("peers/<int:pk>/", views.PeerDetailView.as_view(), name="peer_detail"),
    path("peers/<int:pk>/edit/", views.PeerFormView.as_view(), name="peer_edit"),
    path("peers/<int:pk>/sync/", views.PeerSyncView.as_view(), name="peer_sync"),
]
