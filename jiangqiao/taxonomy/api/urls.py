"""API routes of the taxonomy app, mounted at ``/api/v1/taxonomy/``."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from . import views

app_name = "taxonomy-api"

router = DefaultRouter()
router.register("schemes", views.SchemeViewSet, basename="scheme")
router.register("terms", views.TermViewSet, basename="term")
router.register("search", views.SearchViewSet, basename="search")

urlpatterns = router.urls
