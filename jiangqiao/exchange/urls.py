from __future__ import annotations

from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.BatchListView.as_view(), name="exchangebatch_list"),
    path("<int:pk>/", views.BatchDetailView.as_view(), name="exchangebatch_detail"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("import/", views.ImportView.as_view(), name="import"),
]
