from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .views import ConflictViewSet, RunViewSet, SuggestionViewSet

app_name = "matching"
router = DefaultRouter()
router.register("suggestions", SuggestionViewSet)
router.register("runs", RunViewSet)
router.register("conflicts", ConflictViewSet)
urlpatterns = router.urls
