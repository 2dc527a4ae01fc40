"""Data-scope matrix of the academy models (academies, alliances, lecturers, courses)."""

from __future__ import annotations

from typing import Any

from jiangqiao.academy import classes, services
from jiangqiao.academy.models import (
    Academy,
    Alliance,
    Course,
    Enrolment,
    Lecturer,
    Trainee,
    TrainingClass,
    TrainingOrder,
)
from jiangqiao.core.testing.cases import DataScopeMatrixTests

from .helpers import (
    make_academy,
    make_class,
    make_course,
    make_lecturer,
    make_order,
    next_no,
    worker,
)


class TestAcademyScope(DataScopeMatrixTests):
    __test__ = True
    model = Academy

    def make_row(self, unit: Any, owner: Any) -> Academy:
        return make_academy(unit, owner)


class TestAllianceScope(DataScopeMatrixTests):
    __test__ = True
    model = Alliance

    def make_row(self, unit: Any, owner: Any) -> Alliance:
        return services.alliance_create(actor=owner, org=unit, data={"name": f"联盟{next_no()}"})


class TestLecturerScope(DataScopeMatrixTests):
    __test__ = True
    model = Lecturer

    def make_row(self, unit: Any, owner: Any) -> Lecturer:
        return make_lecturer(unit, owner)


class TestCourseScope(DataScopeMatrixTests):
    __test__ = True
    model = Course

    def make_row(self, unit: Any, owner: Any) -> Course:
        return make_course(unit, owner)


class TestTrainingClassScope(DataScopeMatrixTests):
    __test__ = True
    model = TrainingClass

    def make_row(self, unit: Any, owner: Any) -> TrainingClass:
        return make_class(unit, owner)


class TestEnrolmentScope(DataScopeMatrixTests):
    __test__ = True
    model = Enrolment

    def make_row(self, unit: Any, owner: Any) -> Enrolment:
        return classes.enrol(actor=owner, training_class=make_class(unit, owner), worker=worker())


class TestTraineeScope(DataScopeMatrixTests):
    __test__ = True
    model = Trainee

    def make_row(self, unit: Any, owner: Any) -> Trainee:
        return classes.trainee_register(actor=owner, org=unit, data=worker())


class TestTrainingOrderScope(DataScopeMatrixTests):
    __test__ = True
    model = TrainingOrder

    def make_row(self, unit: Any, owner: Any) -> TrainingOrder:
        from jiangqiao.demands.tests.factories import make_enterprise

        course = make_course(unit, owner, publish=True)
        return make_order(owner, make_enterprise(unit, owner), course)
