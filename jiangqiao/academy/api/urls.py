from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .competition_views import CompetitionViewSet, InnovationViewSet
from .views import (
    AcademyViewSet,
    AllianceViewSet,
    CourseViewSet,
    LecturerViewSet,
    TrainingClassViewSet,
    TrainingOrderViewSet,
)

app_name = "academy"
router = DefaultRouter()
router.register("academies", AcademyViewSet)
router.register("alliances", AllianceViewSet)
router.register("lecturers", LecturerViewSet)
router.register("courses", CourseViewSet)
router.register("classes", TrainingClassViewSet)
router.register("orders", TrainingOrderViewSet)
router.register("competitions", CompetitionViewSet)
router.register("innovations", InnovationViewSet)
urlpatterns = router.urls
