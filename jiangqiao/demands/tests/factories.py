"""Test helpers: enterprises and demands written straight to the database (no scope checks)."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

from jiangqiao.core.identifiers import make_uscc

from ..models import Demand, Enterprise

_seq = itertools.count(1)


def new_uscc(region: str = "440305") -> str:
    return make_uscc("9", "1", region, f"{next(_seq) + 10000000:08d}")


def make_enterprise(org: Any, owner: Any = None, **fields: Any) -> Enterprise:
    n = next(_seq)
    values: dict[str, Any] = {
        "uscc": new_uscc(org.region_code),
        "name": f"测试企业{n}号有限公司",
        "region_code": org.region_code,
        "industry_code": "3461",
        # Entered by staff (as enterprise_create does): confirmed by its unit at once.
        "verified_at": timezone.now(),
    }
    values.update(fields)
    return Enterprise.objects.create(org=org, created_by=owner, updated_by=owner, **values)


def make_demand(enterprise: Enterprise, owner: Any = None, **fields: Any) -> Demand:
    n = next(_seq)
    values: dict[str, Any] = {
        "kind": "tech_problem",
        "title": f"测试需求{n}",
        "description": "数控机床主轴异响，需要诊断",
        "region_code": enterprise.region_code,
        "search_text": f"测试需求{n}",
    }
    values.update(fields)
    return Demand.objects.create(
        org=enterprise.org, enterprise=enterprise, created_by=owner, updated_by=owner, **values
    )
