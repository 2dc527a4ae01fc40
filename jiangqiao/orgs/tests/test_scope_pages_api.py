"""Data-scope matrix, pages and API for organisations (generic test classes)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.testing.cases import CrudApiTests, CrudPageTests, DataScopeMatrixTests
from jiangqiao.core.testing.personas import make_org
from jiangqiao.orgs.choices import OrgLevel
from jiangqiao.orgs.models import Organization

_counter = iter(range(1, 10**6))


def _row(unit: Organization, owner: Any) -> Organization:
    # The row *is* a unit: a grassroots union below ``unit`` would belong to the unit's subtree,
    # so for the matrix the unit itself is the row.
    return unit


def _child(unit: Organization, owner: Any) -> Organization:
    return make_org(unit, OrgLevel.GRASSROOTS, f"基层工会{next(_counter)}", unit.region_code)


class TestOrganizationScope(DataScopeMatrixTests):
    __test__ = True
    model = Organization
    owner_scoped = (
        False  # 仅本人 on the tree itself means “only units I created”; world units have no creator
    )

    def make_row(self, unit: Organization, owner: Any) -> Organization:
        return _row(unit, owner)


class TestOrganizationPages(CrudPageTests):
    __test__ = True
    model = Organization
    url_prefix = "orgs:organization"

    def make_row(self, unit: Organization, owner: Any) -> Organization:
        return _child(unit, owner)

    def form_data(self, unit: Organization) -> dict[str, Any]:
        return {
            "parent": unit.pk,
            "level": OrgLevel.GRASSROOTS,
            "name": f"新建基层工会{unit.pk}",
            "region_code": unit.region_code,
            "sort": 0,
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}


class TestOrganizationApi(CrudApiTests):
    __test__ = True
    model = Organization
    api_url = "/api/v1/orgs/organizations/"

    def make_row(self, unit: Organization, owner: Any) -> Organization:
        return _child(unit, owner)

    def create_data(self, unit: Organization) -> dict[str, Any]:
        return {
            "parent": unit.pk,
            "level": OrgLevel.GRASSROOTS,
            "name": f"接口基层工会{unit.pk}",
            "region_code": unit.region_code,
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}

    def test_bad_region_code_is_400_naming_the_field(self) -> None:
        client = self.api(self.world.city_admin_a)
        data = self.create_data(self.world.county_a1) | {"region_code": "999999"}
        response = client.post(self.api_url, data, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("region_code", response.json())

    def test_filter_by_ancestor_returns_the_subtree(self) -> None:
        client = self.api(self.world.province_admin)
        response = client.get(self.api_url, {"ancestor_id": self.world.city_b.pk})
        names = {row["name"] for row in response.json()["results"]}
        self.assertEqual(names, {"广州市总工会", "天河区总工会"})
