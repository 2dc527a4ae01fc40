from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .views import TargetViewSet

app_name = "dashboards"
router = DefaultRouter()
router.register("targets", TargetViewSet)
urlpatterns = router.urls
