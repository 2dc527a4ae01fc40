from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .sessions import ServiceRecordViewSet
from .views import CaseViewSet, OfferViewSet

app_name = "casework"
router = DefaultRouter()
router.register("demands", CaseViewSet, basename="case")
router.register("offers", OfferViewSet)
router.register("sessions", ServiceRecordViewSet)
urlpatterns = router.urls
