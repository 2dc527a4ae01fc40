"""Data-scope matrix of the live exchange's peers: a peer belongs to the unit that set it up; its
page (token state, cursor, errors) is seen by that unit and the units above, never by a sibling."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.testing.cases import DataScopeMatrixTests
from jiangqiao.exchange.models import ExchangePeer
from jiangqiao.orgs.models import Organization


class TestExchangePeerScope(DataScopeMatrixTests):
    __test__ = True
    model = ExchangePeer

    def make_row(self, unit: Organization, owner: Any) -> ExchangePeer:
        return ExchangePeer.objects.create(
            org=unit,
            name=f"全国平台（{unit.name}）",
            base_url="https://national.example.cn",
            run_as=owner,
            pii="hash",
            created_by=owner,
            updated_by=owner,
        )
