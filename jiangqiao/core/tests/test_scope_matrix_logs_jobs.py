"""Data-scope matrix for the logs and the jobs, and a meta-test that every scoped model has one."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from jiangqiao.accounts.models import LoginLog, Role
from jiangqiao.core.models import ChangeLog, Job, OperationLog
from jiangqiao.core.scope import ScopedQuerySet
from jiangqiao.core.testing.cases import DataScopeMatrixTests, WorldTestCase
from jiangqiao.core.testing.personas import make_user, no_perm_role


class TestChangeLogScope(DataScopeMatrixTests):
    __test__ = True
    model = ChangeLog

    def make_row(self, unit: Any, owner: Any) -> ChangeLog:
        return ChangeLog.objects.create(
            user=owner,
            user_name=owner.username,
            action="update",
            content_type=ContentType.objects.get_for_model(type(unit)),
            object_id=str(unit.pk),
            object_repr=str(unit),
            org=unit,
        )


class TestOperationLogScope(DataScopeMatrixTests):
    __test__ = True
    model = OperationLog

    def make_row(self, unit: Any, owner: Any) -> OperationLog:
        return OperationLog.objects.create(
            module="测试", business_type="other", action="x", user=owner, org=unit
        )


class TestLoginLogScope(DataScopeMatrixTests):
    __test__ = True
    model = LoginLog

    def make_row(self, unit: Any, owner: Any) -> LoginLog:
        return LoginLog.objects.create(
            username=owner.username, user=owner, org=unit, status="success"
        )


class TestJobScope(DataScopeMatrixTests):
    __test__ = True
    model = Job

    def make_row(self, unit: Any, owner: Any) -> Job:
        return Job.objects.create(kind="x", title="任务", org=unit, created_by=owner)


class TestGlobalModelsArePermissionOnly(WorldTestCase):
    """Roles and reference data are global: the functional permission is the whole check."""

    def test_roles_visible_with_permission_only(self) -> None:
        secadmin = make_user("sec_m", self.world.county_a1, Role.objects.get(code="security_admin"))
        self.assertEqual(Role.objects.visible_to(secadmin).count(), Role.objects.count())
        nobody = make_user("nobody_m", self.world.province, no_perm_role())
        self.assertEqual(Role.objects.visible_to(nobody).count(), 0)


# Models whose scope is tested elsewhere, or that are global configuration.
COVERED_ELSEWHERE = {
    "orgs.organization": "jiangqiao/orgs/tests/test_scope_pages_api.py",
    "accounts.user": "jiangqiao/accounts/tests/test_users_scope_pages_api.py",
    "accounts.role": "global configuration — TestGlobalModelsArePermissionOnly",
    "core.changelog": "this file",
    "core.operationlog": "this file",
    "accounts.loginlog": "this file",
    "core.job": "this file",
    "core.importbatch": "jiangqiao/core/tests/test_io_pages_api.py",
    "core.importalias": "global configuration — permission only (test_io_pages_api.TestAliases)",
    "core.calendarday": "global configuration — permission only (test_workdays.TestCalendarPages)",
    "talents.craftsman": "jiangqiao/talents/tests/test_scope_pages_api.py",
    "talents.serviceteam": "jiangqiao/talents/tests/test_scope_pages_api.py",
    "demands.enterprise": "jiangqiao/demands/tests/test_scope_pages_api.py",
    "demands.demand": "jiangqiao/demands/tests/test_scope_pages_api.py",
    "demands.campaign": "jiangqiao/demands/tests/test_campaigns.py",
    "demands.enterpriseregistration": "jiangqiao/demands/tests/test_registration.py",
    "demands.demandattachment": "through its demand (and the serving craftsman) — "
    "jiangqiao/demands/tests/test_attachments.py",
    "matching.matchsuggestion": "jiangqiao/matching/tests/test_scope_pages_api.py",
    "matching.matchrun": "jiangqiao/matching/tests/test_scope_pages_api.py",
    "matching.declaredconflict": "jiangqiao/matching/tests/test_scope_pages_api.py",
    "casework.servicerecord": "jiangqiao/casework/tests/test_sessions.py",
    "casework.skillupgrade": "owned by its unit (org) — jiangqiao/academy/tests/test_scope.py "
    "(TestTraineeUpgradeScope), jiangqiao/casework/tests/test_upgrade_sources.py",
    "casework.sessionevidence": "scoped through its session — jiangqiao/casework/tests/test_sessions.py",
    "exchange.exchangebatch": "jiangqiao/exchange/tests/test_pages_api_command.py",
    "accounts.apitoken": "jiangqiao/accounts/tests/test_api_tokens.py",
    "casework.offer": "jiangqiao/casework/tests/test_scope.py",
    "casework.contactattempt": "jiangqiao/casework/tests/test_scope.py",
    "casework.outcome": "jiangqiao/casework/tests/test_scope.py",
    "casework.followup": "jiangqiao/casework/tests/test_scope.py",
    "casework.agreement": "jiangqiao/casework/tests/test_scope.py",
    "casework.claim": "jiangqiao/casework/tests/test_claims.py",
    "casework.qualityreview": "jiangqiao/casework/tests/test_quality.py",
    "casework.publication": "jiangqiao/casework/tests/test_claims.py",
    "academy.academy": "jiangqiao/academy/tests/test_scope.py",
    "academy.alliance": "jiangqiao/academy/tests/test_scope.py",
    "academy.lecturer": "jiangqiao/academy/tests/test_scope.py",
    "academy.course": "jiangqiao/academy/tests/test_scope.py",
    "academy.traineeupgrade": "jiangqiao/academy/tests/test_scope.py",
    "academy.trainingclass": "jiangqiao/academy/tests/test_scope.py",
    "academy.enrolment": "jiangqiao/academy/tests/test_scope.py",
    "academy.trainee": "jiangqiao/academy/tests/test_scope.py",
    "academy.trainingorder": "jiangqiao/academy/tests/test_scope.py",
    "academy.classevaluation": "jiangqiao/academy/tests/test_evaluations.py",
    "dashboards.target": "jiangqiao/dashboards/tests/test_scope.py",
    "dashboards.targetrevision": "jiangqiao/dashboards/tests/test_scope.py",
    "dashboards.dailyfigure": "jiangqiao/dashboards/tests/test_scope.py",
    "dashboards.monthlyfigure": "jiangqiao/dashboards/tests/test_scope.py",
    "dashboards.customindicator": "jiangqiao/dashboards/tests/test_scope.py",
    "academy.competition": "jiangqiao/academy/tests/test_competition_pages_api.py",
    "academy.contestant": "jiangqiao/academy/tests/test_competition_pages_api.py",
    "academy.innovation": "jiangqiao/academy/tests/test_competition_pages_api.py",
    "exchange.exchangepeer": "jiangqiao/exchange/tests/test_scope_peers.py",
    "privacy.datasubjectrequest": "jiangqiao/privacy/tests/test_scope.py",
}


def test_every_scoped_model_has_a_scope_test() -> None:
    scoped = {
        f"{m._meta.app_label}.{m._meta.model_name}"
        for m in apps.get_models()
        if m.__module__.startswith("jiangqiao.")
        and isinstance(m._default_manager.all(), ScopedQuerySet)
    }
    missing = scoped - set(COVERED_ELSEWHERE)
    assert not missing, f"scoped models without a DataScopeMatrixTests subclass: {sorted(missing)}"
