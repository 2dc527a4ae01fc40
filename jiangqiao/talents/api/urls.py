from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .views import CraftsmanViewSet, ServiceTeamViewSet

app_name = "talents"
router = DefaultRouter()
router.register("craftsmen", CraftsmanViewSet)
router.register("teams", ServiceTeamViewSet)
urlpatterns = router.urls
