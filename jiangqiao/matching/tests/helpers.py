"""Test data for the matching app: craftsmen with service items, open demands, a counting encoder."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.demands.services import _write_codes as write_codes
from jiangqiao.demands.tests.factories import make_demand, make_enterprise
from jiangqiao.matching.engine import HashEncoder
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.tests.helpers import make_craftsman

_seq = itertools.count(1)


class CountingEncoder:
    """The test encoder, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        self.inner = HashEncoder()
        self.name = self.inner.name
        self.dim = self.inner.dim
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts)

    @property
    def calls(self) -> int:
        return len(self.texts)


def craftsman(
    unit: Any,
    owner: Any,
    *,
    expertise: str = "数控机床故障诊断与维修",
    items: Sequence[str] = (),
    **extra: Any,
) -> Craftsman:
    """A craftsman kept by ``unit`` with the given expertise and service items."""
    extra.setdefault("regions_served", [unit.region_code])
    c = make_craftsman(unit, owner, expertise=expertise, **extra)
    for title in items:
        talent_services.service_item_add(
            actor=owner,
            craftsman=c,
            data={
                "title": title,
                "description": f"{title}，现场指导",
                "service_type": "tech_service",
            },
        )
    return Craftsman.objects.get(pk=c.pk)


def index_trio(world: Any) -> tuple[Craftsman, Craftsman, Craftsman]:
    """The welder, the CNC technician and the painter the index tests rank."""
    w = world
    welder = craftsman(
        w.county_a1,
        w.city_admin_a,
        expertise="焊接变形控制",
        items=["焊接工艺评定", "不锈钢焊接培训"],
    )
    cnc = craftsman(
        w.county_a1,
        w.city_admin_a,
        expertise="数控机床故障诊断",
        items=["数控系统维修", "主轴异响诊断"],
    )
    painter = craftsman(w.county_a2, w.city_admin_a, expertise="汽车涂装", items=["喷涂缺陷分析"])
    return welder, cnc, painter


def enterprise(unit: Any, owner: Any = None, **fields: Any) -> Enterprise:
    return make_enterprise(unit, owner, **fields)


def open_demand(
    unit: Any,
    owner: Any = None,
    *,
    title: str = "数控机床主轴异响故障诊断",
    description: str = "加工中心主轴高速运转时异响，需要数控机床维修专家现场诊断",
    ent: Enterprise | None = None,
    **fields: Any,
) -> Demand:
    """A submitted demand of an enterprise kept by ``unit`` (written straight to the database)."""
    n = next(_seq)
    fields.setdefault("status", "submitted")
    fields.setdefault("number", f"GD-{unit.region_code}-2026-{900000 + n:06d}")
    fields.setdefault("industry_codes", ["3411"])
    demand = make_demand(
        ent or make_enterprise(unit, owner),
        owner,
        title=title,
        description=description,
        **fields,
    )
    write_codes(demand)  # the index rows the demand services keep (industry subtree filters)
    return demand
