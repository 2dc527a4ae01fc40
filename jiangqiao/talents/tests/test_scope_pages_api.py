"""Data-scope matrix, pages and API for craftsmen and service teams (generic test classes)."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.testing.cases import CrudApiTests, CrudPageTests, DataScopeMatrixTests
from jiangqiao.talents.choices import team_level_for_org
from jiangqiao.talents.models import Craftsman, ServiceTeam

from .helpers import id_number, make_craftsman, make_team, mobile, next_no


class TestCraftsmanScope(DataScopeMatrixTests):
    __test__ = True
    model = Craftsman

    def make_row(self, unit: Any, owner: Any) -> Craftsman:
        return make_craftsman(unit, owner)


class TestCraftsmanPages(CrudPageTests):
    __test__ = True
    model = Craftsman
    url_prefix = "talents:craftsman"

    def make_row(self, unit: Any, owner: Any) -> Craftsman:
        return make_craftsman(unit, owner)

    def form_data(self, unit: Any) -> dict[str, Any]:
        n = next_no()
        return {
            "org": unit.pk,
            "name": f"页面工匠{n:04d}号",
            "gender": "female",
            "id_number": id_number(n),
            "mobile": mobile(n),
            "industries": ["3411"],
            "regions_served": ["440305"],
            "service_modes": ["onsite", "online"],
            "skill_level": "senior_technician",
            "max_open_services": 3,
            "max_new_per_month": 2,
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}


class TestCraftsmanApi(CrudApiTests):
    __test__ = True
    model = Craftsman
    api_url = "/api/v1/talents/craftsmen/"

    def make_row(self, unit: Any, owner: Any) -> Craftsman:
        return make_craftsman(unit, owner)

    def create_data(self, unit: Any) -> dict[str, Any]:
        n = next_no()
        return {
            "org": unit.pk,
            "name": f"接口工匠{n:04d}号",
            "id_number": id_number(n),
            "mobile": mobile(n),
            "industries": ["3411", "C"],
            "regions_served": ["440300"],
            "service_modes": ["online"],
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}


class TestServiceTeamScope(DataScopeMatrixTests):
    __test__ = True
    model = ServiceTeam

    def make_row(self, unit: Any, owner: Any) -> ServiceTeam:
        return make_team(unit, owner)


class TestServiceTeamPages(CrudPageTests):
    __test__ = True
    model = ServiceTeam
    url_prefix = "talents:serviceteam"

    def make_row(self, unit: Any, owner: Any) -> ServiceTeam:
        return make_team(unit, owner)

    def form_data(self, unit: Any) -> dict[str, Any]:
        return {
            "org": unit.pk,
            "name": f"页面服务队{next_no():04d}号",
            "level": team_level_for_org(unit.level),
            "industry_code": "C34",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}


class TestServiceTeamApi(CrudApiTests):
    __test__ = True
    model = ServiceTeam
    api_url = "/api/v1/talents/teams/"

    def make_row(self, unit: Any, owner: Any) -> ServiceTeam:
        return make_team(unit, owner)

    def create_data(self, unit: Any) -> dict[str, Any]:
        return {
            "org": unit.pk,
            "name": f"接口服务队{next_no():04d}号",
            "level": team_level_for_org(unit.level),
            "industry_code": "34",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"name": data["name"]}
