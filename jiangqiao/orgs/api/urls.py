from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .views import OrganizationViewSet

app_name = "orgs"
router = DefaultRouter()
router.register("organizations", OrganizationViewSet)
urlpatterns = router.urls
