from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .attachments import DemandAttachmentViewSet
from .campaigns import CampaignViewSet
from .views import DemandViewSet, EnterpriseViewSet

app_name = "demands"
router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet)
router.register("demands", DemandViewSet)
router.register("campaigns", CampaignViewSet)
router.register("attachments", DemandAttachmentViewSet, basename="attachment")
urlpatterns = router.urls
