from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .views import DemandViewSet, EnterpriseViewSet

app_name = "demands"
router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet)
router.register("demands", DemandViewSet)
urlpatterns = router.urls
