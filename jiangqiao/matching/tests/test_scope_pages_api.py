"""Data-scope matrices of the matching models; generic page and API tests where they apply."""

from __future__ import annotations

import itertools
from typing import Any

from jiangqiao.core.testing.cases import CrudApiTests, CrudPageTests, DataScopeMatrixTests
from jiangqiao.matching.models import DeclaredConflict, MatchRun, MatchSuggestion
from jiangqiao.orgs.models import Organization

from .helpers import craftsman, enterprise, open_demand

_n = itertools.count(1)


def make_suggestion(unit: Organization, owner: Any, **fields: Any) -> MatchSuggestion:
    demand = open_demand(unit, owner)
    person = craftsman(unit, owner)
    values: dict[str, Any] = {"source": "recommend", "score": 1.0, "rank": 1}
    values.update(fields)
    return MatchSuggestion.objects.create(
        demand=demand, craftsman=person, created_by=owner, updated_by=owner, **values
    )


def make_run(unit: Organization, owner: Any) -> MatchRun:
    return MatchRun.objects.create(org=unit, created_by=owner, updated_by=owner)


def make_conflict(unit: Organization, owner: Any) -> DeclaredConflict:
    return DeclaredConflict.objects.create(
        craftsman=craftsman(unit, owner),
        enterprise=enterprise(unit, owner),
        reason=f"亲属在该企业任职{next(_n)}",
        created_by=owner,
        updated_by=owner,
    )


class TestSuggestionScope(DataScopeMatrixTests):
    """Suggestions follow the demand's organisation (``demand__org``)."""

    __test__ = True
    model = MatchSuggestion

    def make_row(self, unit: Organization, owner: Any) -> MatchSuggestion:
        return make_suggestion(unit, owner)


class TestRunScope(DataScopeMatrixTests):
    __test__ = True
    model = MatchRun

    def make_row(self, unit: Organization, owner: Any) -> MatchRun:
        return make_run(unit, owner)


class TestConflictScope(DataScopeMatrixTests):
    """Declarations follow the craftsman's organisation (``craftsman__org``)."""

    __test__ = True
    model = DeclaredConflict

    def make_row(self, unit: Organization, owner: Any) -> DeclaredConflict:
        return make_conflict(unit, owner)


class TestConflictPages(CrudPageTests):
    __test__ = True
    model = DeclaredConflict
    url_prefix = "matching:declaredconflict"

    def make_row(self, unit: Organization, owner: Any) -> DeclaredConflict:
        return make_conflict(unit, owner)

    def form_data(self, unit: Organization) -> dict[str, Any]:
        return {
            "craftsman": craftsman(unit, self.world.superuser).pk,
            "enterprise": enterprise(unit).pk,
            "reason": f"曾任该企业技术顾问{next(_n)}",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"reason": data["reason"]}

    def test_status_withdraws_and_reinstates(self) -> None:
        row = make_conflict(self.world.county_a1, self.world.city_admin_a)
        self.login(self.world.city_admin_a)
        url = self.url("status", row.pk)
        self.assertEqual(self.client.post(url, {"status": "disabled"}).status_code, 302)
        row.refresh_from_db()
        self.assertEqual(row.status, "disabled")
        self.client.post(url, {"status": "active"})
        row.refresh_from_db()
        self.assertEqual(row.status, "active")

    def test_duplicate_declaration_is_a_form_error(self) -> None:
        row = make_conflict(self.world.county_a1, self.world.city_admin_a)
        self.login(self.world.city_admin_a)
        response = self.client.post(
            self.url("create"),
            {"craftsman": row.craftsman_id, "enterprise": row.enterprise_id, "reason": "重复"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "回避申报已存在", status_code=400)


class TestConflictApi(CrudApiTests):
    __test__ = True
    model = DeclaredConflict
    api_url = "/api/v1/matching/conflicts/"

    def make_row(self, unit: Organization, owner: Any) -> DeclaredConflict:
        return make_conflict(unit, owner)

    def create_data(self, unit: Organization) -> dict[str, Any]:
        return {
            "craftsman": craftsman(unit, self.world.superuser).pk,
            "enterprise": enterprise(unit).pk,
            "reason": f"接口登记回避{next(_n)}",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"reason": data["reason"]}

    def test_status_action_and_update(self) -> None:
        row = make_conflict(self.world.county_a1, self.world.city_admin_a)
        client = self.api(self.world.city_admin_a)
        response = client.post(f"{self.api_url}{row.pk}/status/", {"status": "disabled"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"]["value"], "disabled")
        response = client.patch(f"{self.api_url}{row.pk}/", {"reason": "新原因"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        row.refresh_from_db()
        self.assertEqual(row.reason, "新原因")
        bad = client.post(f"{self.api_url}{row.pk}/status/", {"status": "gone"})
        self.assertEqual(bad.status_code, 400)


class TestRunApi(CrudApiTests):
    __test__ = True
    model = MatchRun
    api_url = "/api/v1/matching/runs/"

    def make_row(self, unit: Organization, owner: Any) -> MatchRun:
        return make_run(unit, owner)

    def create_data(self, unit: Organization) -> dict[str, Any]:
        return {"org": unit.pk, "top_k": 5}

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"org_id": data["org"], "top_k": 5}


class TestSuggestionApi(CrudApiTests):
    __test__ = True
    model = MatchSuggestion
    api_url = "/api/v1/matching/suggestions/"
    writable = False

    def make_row(self, unit: Organization, owner: Any) -> MatchSuggestion:
        return make_suggestion(unit, owner)
