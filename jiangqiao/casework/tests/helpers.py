"""Demands for the casework tests and the apps that test on top of casework (privacy, dashboards):
one way to have an enterprise submit a demand and the staff triage it."""

from __future__ import annotations

from typing import Any

from jiangqiao.casework import services
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.choices import Channel
from jiangqiao.demands.models import Demand

#: What the staff decide at triage in these tests: a technical demand of grade B, kept by the county.
TRIAGE = {"category": "tech", "grade": "b", "owner_level": "county"}
DESCRIPTION = "加工中心主轴高速运转时异响，需要数控机床维修专家现场诊断"


def submitted_demand(*, actor: Any, enterprise: Any, description: str = DESCRIPTION) -> Demand:
    """A technical problem the enterprise contact ``actor`` submits online."""
    return demand_services.demand_create(
        actor=actor,
        enterprise=enterprise,
        channel=Channel.ONLINE,
        submit=True,
        data={"kind": "tech_problem", "title": "数控机床主轴异响", "description": description},
    )


def triaged(*, actor: Any, demand: Demand) -> Demand:
    """``demand`` triaged by the staff member ``actor`` (``TRIAGE``)."""
    return services.demand_triage(actor=actor, demand=demand, data=dict(TRIAGE))
