from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .views import MyRequestViewSet

app_name = "privacy"
router = DefaultRouter()
router.register("my-requests", MyRequestViewSet, basename="my-request")
urlpatterns = router.urls
