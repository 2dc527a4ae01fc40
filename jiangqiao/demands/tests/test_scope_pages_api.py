"""Data-scope matrix, pages and API for enterprises and demands (generic test classes)."""

from __future__ import annotations

import itertools
from typing import Any

from jiangqiao.core.testing.cases import CrudApiTests, CrudPageTests, DataScopeMatrixTests
from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.orgs.models import Organization

from .factories import make_demand, make_enterprise, new_uscc

_n = itertools.count(1)


class TestEnterpriseScope(DataScopeMatrixTests):
    __test__ = True
    model = Enterprise

    def make_row(self, unit: Organization, owner: Any) -> Enterprise:
        return make_enterprise(unit, owner)


class TestDemandScope(DataScopeMatrixTests):
    __test__ = True
    model = Demand

    def make_row(self, unit: Organization, owner: Any) -> Demand:
        return make_demand(make_enterprise(unit, owner), owner)


class TestEnterprisePages(CrudPageTests):
    __test__ = True
    model = Enterprise
    url_prefix = "demands:enterprise"

    def make_row(self, unit: Organization, owner: Any) -> Enterprise:
        return make_enterprise(unit, owner)

    def form_data(self, unit: Organization) -> dict[str, Any]:
        return {
            "org": unit.pk,
            "uscc": new_uscc(unit.region_code),
            "name": f"页面新建企业{next(_n)}",
            "region_code": unit.region_code,
            "industry_code": "C3461",
            "staff_count": "120",
            "revenue": "3500",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"uscc": data["uscc"]}


class TestDemandPages(CrudPageTests):
    __test__ = True
    model = Demand
    url_prefix = "demands:demand"

    def make_row(self, unit: Organization, owner: Any) -> Demand:
        return make_demand(make_enterprise(unit, owner), owner)

    def form_data(self, unit: Organization) -> dict[str, Any]:
        enterprise = make_enterprise(unit)
        return {
            "enterprise": enterprise.pk,
            "kind": "tech_problem",
            "title": f"页面新建需求{next(_n)}",
            "description": "焊接变形控制",
            "industry_codes": "C3461",
            "delivery_mode": "either",
            "visibility": "private",
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}


class TestEnterpriseApi(CrudApiTests):
    __test__ = True
    model = Enterprise
    api_url = "/api/v1/demands/enterprises/"

    def make_row(self, unit: Organization, owner: Any) -> Enterprise:
        return make_enterprise(unit, owner)

    def create_data(self, unit: Organization) -> dict[str, Any]:
        return {
            "org": unit.pk,
            "uscc": new_uscc(unit.region_code),
            "name": f"接口新建企业{next(_n)}",
            "region_code": unit.region_code,
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"uscc": data["uscc"]}


class TestDemandApi(CrudApiTests):
    __test__ = True
    model = Demand
    api_url = "/api/v1/demands/demands/"

    def make_row(self, unit: Organization, owner: Any) -> Demand:
        return make_demand(make_enterprise(unit, owner), owner)

    def create_data(self, unit: Organization) -> dict[str, Any]:
        enterprise = make_enterprise(unit)
        return {
            "enterprise": enterprise.pk,
            "kind": "tech_problem",
            "title": f"接口新建需求{next(_n)}",
            "description": "设备改造",
            "industry_codes": ["3461"],
        }

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"title": data["title"]}
