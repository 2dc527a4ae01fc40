from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .views import CaseViewSet, OfferViewSet

app_name = "casework"
router = DefaultRouter()
router.register("demands", CaseViewSet, basename="case")
router.register("offers", OfferViewSet)
urlpatterns = router.urls
