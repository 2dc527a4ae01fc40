from __future__ import annotations

from rest_framework.routers import DefaultRouter

app_name = "talents"
router = DefaultRouter()
urlpatterns = router.urls
