from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import BatchViewSet, ExportView, ImportView, ReceiveView

app_name = "exchange"
router = DefaultRouter()
router.register("batches", BatchViewSet)
urlpatterns = [
    path("export/", ExportView.as_view(), name="export"),
    path("import/", ImportView.as_view(), name="import"),
    path("receive/", ReceiveView.as_view(), name="receive"),
    *router.urls,
]
