from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .views import LoginLogViewSet, RoleViewSet, UserViewSet

app_name = "accounts"
router = DefaultRouter()
router.register("users", UserViewSet)
router.register("roles", RoleViewSet)
router.register("login-logs", LoginLogViewSet)
urlpatterns = router.urls
