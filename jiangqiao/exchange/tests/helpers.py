"""Test data for the exchange app: a small, complete data set built through the apps' services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import ServiceRecord
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.demands.tests.factories import new_uscc
from jiangqiao.exchange import services
from jiangqiao.exchange.models import ExchangeRecord
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import Craftsman, ServiceTeam, TeamMembership
from jiangqiao.talents.tests.helpers import make_craftsman, make_team


@dataclass
class DataSet:
    enterprise: Enterprise
    craftsmen: list[Craftsman]
    team: ServiceTeam
    demand: Demand
    match: MatchSuggestion
    record: ServiceRecord


def build(unit: Any, actor: Any) -> DataSet:
    """An enterprise, two craftsmen (honours, service items), a team, a demand and a match."""
    ent = demand_services.enterprise_create(
        actor=actor,
        org=unit,
        data={
            "uscc": new_uscc(unit.region_code),
            "name": "深圳精工机械有限公司",
            "former_names": "深圳精工机械厂",
            "address": "南山区科技园 1 号",
            "region_code": unit.region_code,
            "industry_code": "3461",
            "main_products": "数控机床主轴",
            "staff_count": 180,
            "revenue": Decimal("12000.50"),
            "total_assets": Decimal("8000.00"),
            "basis_year": 2025,
            "has_union": False,
            "remark": "重点服务企业",
        },
    )
    first = make_craftsman(
        unit,
        actor,
        name="王师傅",
        skill_level="senior_technician",
        skill_cert_no="Z-2020-001",
        bio="从事数控维修三十年",
        expertise_tags=[],
    )
    # The second gave no consents (the records carry only the first's).
    second = make_craftsman(
        unit, actor, name="李师傅", gender="female", birth_year=1975, consents=()
    )
    talent_services.honour_add(
        actor=actor,
        craftsman=first,
        data={
            "honour_type": "national_model_worker",
            "level": "national",
            "year": 2020,
            "issuer": "中华全国总工会",
            "certificate_no": "QG-2020-88",
        },
        verified=True,
    )
    talent_services.service_item_add(
        actor=actor,
        craftsman=first,
        data={
            "title": "数控机床主轴故障诊断",
            "description": "现场诊断主轴异响、温升",
            "service_type": "tech_breakthrough",
            "industries": ["3411"],
            "duration": "2天/次",
            "modes": ["onsite"],
            "is_active": True,
            "sort": 1,
        },
    )
    team = make_team(unit, actor, name="南山数控服务队", description="数控设备维修")
    talent_services.team_add_member(
        actor=actor, team=team, craftsman=first, joined_on=timezone.localdate()
    )
    talent_services.team_add_member(
        actor=actor, team=team, craftsman=second, joined_on=timezone.localdate()
    )
    talent_services.team_set_lead(actor=actor, team=team, craftsman=first)
    demand = demand_services.demand_create(
        actor=actor,
        enterprise=ent,
        data={
            "kind": "tech_problem",
            "title": "加工中心主轴异响",
            "description": "加工中心主轴高速运转时异响，需要现场诊断",
            "current_state": "停机待修",
            "industry_codes": ["3461"],
            "tags": ["数控", "主轴"],
            "delivery_mode": "onsite",
        },
        submit=True,
    )
    match = MatchSuggestion.objects.create(
        demand=demand,
        craftsman=first,
        source="manual",
        status="confirmed",
        rank=1,
        score=0.875,
        fusion_version="2026.1",
        suggested_at=timezone.now(),
        decided_at=timezone.now(),
        reason="专长对口",
        why={"summary": ["专长“数控机床故障诊断”与需求一致"]},
        created_by=actor,
        updated_by=actor,
    )
    record = session_services.session_create(
        actor=actor,
        match=match,
        data={
            "date": timezone.localdate(),
            "duration_min": 240,
            "prep_min": 60,
            "travel_min": 45,
            "mode": "onsite",
            "activities": ["tech_service", "skill_training"],
            "location": unit.region_code,
            "attendees": 6,
            "trainees": 4,
            "problems_solved": 2,
            "notes": "更换主轴轴承，调整预紧力；培训维修工 4 人",
            "economic_benefit": Decimal("35.50"),
            "enterprise_confirmed": True,
        },
    )
    return DataSet(ent, [first, second], ServiceTeam.objects.get(pk=team.pk), demand, match, record)


def export(actor: Any, **kwargs: Any) -> str:
    _, lines = services.export_start(actor=actor, **kwargs)
    return "".join(lines)


def parse(text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return rows[0], rows[1:]


def dump(header: dict[str, Any], records: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in [header, *records]).encode()


def import_text(actor: Any, text: str | bytes, **kwargs: Any) -> Any:
    content = text.encode() if isinstance(text, str) else text
    return services.import_file(actor=actor, content=content, file_name="t.jsonl", **kwargs)


def wipe() -> None:
    """Empty the exchanged tables (the organisation tree and users stay)."""
    ServiceRecord.objects.all().delete()
    MatchSuggestion.objects.all().delete()
    TeamMembership.objects.all().delete()
    ServiceTeam.objects.all().delete()
    Demand.objects.all().delete()
    Craftsman.objects.all().delete()
    Enterprise.objects.all().delete()
    ExchangeRecord.objects.all().delete()
