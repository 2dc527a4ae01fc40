from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from .cockpit import CockpitView
from .views import TargetViewSet

app_name = "dashboards"
router = DefaultRouter()
router.register("targets", TargetViewSet)
urlpatterns = [
    path("cockpit/", CockpitView.as_view(), name="cockpit"),
    *router.urls,
]
