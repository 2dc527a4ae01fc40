"""Data-scope matrix of the academy models (academies, alliances, lecturers, courses)."""

from __future__ import annotations

from typing import Any

from jiangqiao.academy import classes, services, upgrades
from jiangqiao.academy.models import (
    Academy,
    Alliance,
    Course,
    Enrolment,
    Lecturer,
    Trainee,
    TraineeUpgrade,
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
    running_class,
    upgrade_data,
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


class TestTraineeUpgradeScope(DataScopeMatrixTests):
    """A trainee's skill upgrade (and the one skill-upgrade record behind it) sits in its class's
    unit; the 仅本人 clerk sees the one he recorded."""

    __test__ = True
    model = TraineeUpgrade

    def make_row(self, unit: Any, owner: Any) -> TraineeUpgrade:
        tc = running_class(unit, owner)
        enrolment = classes.enrol(actor=owner, training_class=tc, worker=worker())
        return upgrades.trainee_upgrade_record(
            actor=owner, enrolment=enrolment, lecturer=None, **upgrade_data()
        )

    def test_the_skill_upgrade_records_have_the_same_scope(self) -> None:
        from jiangqiao.casework.models import SkillUpgrade

        ids = {r.upgrade_id for r in self.rows.values()}  # type: ignore[attr-defined]
        for persona in ("city_admin_a", "city_admin_b", "county_operator", "grassroots_clerk"):
            user = getattr(self.world, persona)
            with self.subTest(persona=persona):
                self.assertEqual(
                    set(
                        SkillUpgrade.objects.visible_to(user)
                        .filter(pk__in=ids)
                        .values_list("pk", flat=True)
                    ),
                    {
                        r.upgrade_id  # type: ignore[attr-defined]
                        for r in self.rows.values()
                        if r.pk in self.visible(user)
                    },
                )
