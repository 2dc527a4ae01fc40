from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .views import ConflictViewSet, RunViewSet, ServiceRecordViewSet, SuggestionViewSet

app_name = "matching"
router = DefaultRouter()
router.register("suggestions", SuggestionViewSet)
router.register("runs", RunViewSet)
router.register("conflicts", ConflictViewSet)
router.register("records", ServiceRecordViewSet)
urlpatterns = router.urls
