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

# Claim list, claims, publication and direct offers (issue 13 points 2 and 5).
from .views_claims import CaseClaimsViewSet, ClaimViewSet, PublishedDemandViewSet  # noqa: E402

router.register("published", PublishedDemandViewSet, basename="published")
router.register("claims", ClaimViewSet)
router.register("demands", CaseClaimsViewSet, basename="case-claims")
urlpatterns = router.urls
