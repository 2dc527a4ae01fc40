"""Issue 12 item 5: the exchange import is a side door to other units' data.

A 宝安 clerk (本级及下级, and 仅本级) writes his own exchange file. Every reference it makes to a
南山 record — by this instance's record id (``jiangqiao-local:craftsman:<pk>``), by a source id
mapped by an earlier import, or by a natural key (ID hash, USCC, demand number) — and every 南山
record it tries to update, link or delete must be refused like a missing one: an error line naming
the field, no 南山 name in the report, and nothing written. The same lines about 宝安's own
records go through (so the refusals are about scope, not about the file).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from jiangqiao.casework.models import ServiceRecord
from jiangqiao.core.choices import DataScope
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user, scope_role
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.models import Demand, DemandEvent, Enterprise
from jiangqiao.demands.tests.factories import new_uscc
from jiangqiao.exchange import format as fmt
from jiangqiao.exchange import services
from jiangqiao.exchange.models import ExchangeRecord
from jiangqiao.matching import services as matching_services
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.talents.models import Craftsman, ServiceTeam, TeamMembership
from jiangqiao.talents.tests.helpers import make_craftsman

from .helpers import DataSet, build, dump, export, import_text, parse, wipe

pytestmark = pytest.mark.django_db

LOCAL = "jiangqiao-local"  # this instance
NANSHAN = "sz-nanshan"  # an instance 南山's records were once imported from (by the province)
FILE = "sz-baoan"  # the source the clerk claims for his file
NOW = "2026-12-01T10:00:00+08:00"
OLD = "2001-01-01T00:00:00+08:00"
#: A scope refusal says one of these (a reference: not found or out of scope; a record of another
#: unit found by its id or natural key: registered elsewhere, counted by core.probes).
REFUSED = ("不在您的数据范围内", "已在其他单位登记")
#: Names of 南山 records that no report to a 宝安 user may contain.
SECRETS = (
    "南山赵卫国",
    "王师傅",
    "李师傅",
    "深圳精工机械有限公司",
    "加工中心主轴异响",
    "南山数控服务队",
)


@dataclass
class Scene:
    clerk: Any
    nanshan: DataSet  # enterprise, 王师傅/李师傅, team, demand, confirmed match, service record
    target: Craftsman  # the 南山 craftsman the clerk wants
    enterprise: Enterprise  # 宝安's own
    demand: Demand  # 宝安's own, submitted
    own: Craftsman  # 宝安's own craftsman
    templates: dict[str, dict[str, Any]]  # one exported 南山 record per type (valid data to edit)


@pytest.fixture(params=[DataScope.ORG_AND_BELOW, DataScope.ORG], ids=["org_and_below", "org_only"])
def scene(request, world, settings) -> Scene:
    settings.INSTANCE_ID = LOCAL
    nanshan = build(world.county_a1, world.province_admin)
    target = make_craftsman(world.county_a1, world.province_admin, name="南山赵卫国")
    clerk = make_user("baoan_clerk", world.county_a2, scope_role(request.param))
    ent = demand_services.enterprise_create(
        actor=clerk,
        org=world.county_a2,
        data={
            "uscc": new_uscc(world.county_a2.region_code),
            "name": "宝安精密模具有限公司",
            "region_code": world.county_a2.region_code,
            "industry_code": "3461",
        },
    )
    demand = demand_services.demand_create(
        actor=clerk,
        enterprise=ent,
        data={"kind": "tech_problem", "title": "模具抛光", "description": "模具抛光工艺改进"},
        submit=True,
    )
    own = make_craftsman(
        world.county_a2, clerk, name="宝安钱工", regions_served=[world.county_a2.region_code]
    )
    _, records = parse(export(world.province_admin))
    templates: dict[str, dict[str, Any]] = {}
    for r in records:
        templates.setdefault(r["type"], r)
    return Scene(clerk, nanshan, target, ent, demand, own, templates)


def header(types: list[str], pii: str = "hash") -> dict[str, Any]:
    return {
        "format": fmt.FORMAT,
        "version": fmt.VERSION,
        "instance": FILE,
        "kind": "snapshot",
        "cursor_from": None,
        "cursor_to": 100,
        "generated_at": NOW,
        "pii": pii,
        "types": types,
    }


def line(record_type: str, n: int, data: dict[str, Any] | None, **envelope: Any) -> dict[str, Any]:
    return {
        "type": record_type,
        "id": f"{FILE}:{record_type}:{n}",
        "source": FILE,
        "op": "upsert",
        "updated_at": NOW,
        "version": None,
        "data": data,
        **envelope,
    }


def local_ref(record_type: str, obj: Any) -> dict[str, Any]:
    return {"id": fmt.record_id(LOCAL, record_type, obj.pk)}


def baoan_org(world: Any) -> dict[str, Any]:
    return {
        "name": world.county_a2.name,
        "level": "county",
        "uscc": None,
        "region": fmt.tag("region", world.county_a2.region_code),
    }


def match_data(s: Scene, demand_ref: dict[str, Any], craftsman_ref: dict[str, Any]) -> dict:
    data = dict(s.templates["match"]["data"])
    data.update(demand=demand_ref, craftsman=craftsman_ref, status="confirmed", summary=["对口"])
    return data


def record_data(s: Scene, match_ref: dict[str, Any]) -> dict[str, Any]:
    return {**s.templates["service_record"]["data"], "match": match_ref}


def own_demand_ref(s: Scene) -> dict[str, Any]:
    return {**local_ref("demand", s.demand), "number": s.demand.number}


def state() -> dict[str, Any]:
    """Everything an import could have written (counts, statuses, names, mapping rows)."""
    return {
        "matches": sorted(MatchSuggestion.objects.values_list("pk", "craftsman_id", "status")),
        "records": ServiceRecord.objects.count(),
        "members": sorted(TeamMembership.objects.values_list("team_id", "craftsman_id", "role")),
        "teams": sorted(ServiceTeam.objects.values_list("pk", "name", "lead_id", "status")),
        "demands": sorted(Demand.objects.values_list("pk", "status", "title", "enterprise_id")),
        "events": DemandEvent.objects.count(),
        "enterprises": sorted(Enterprise.objects.values_list("pk", "name", "org_id")),
        "craftsmen": sorted(Craftsman.objects.values_list("pk", "name", "bio", "org_id")),
        "mappings": sorted(ExchangeRecord.objects.values_list("source_id", "object_id")),
    }


def assert_refused(batch: Any, before: dict[str, Any], line_no: int, field: str) -> None:
    """The line is an error naming ``field`` (scope refusal), nothing changed, nothing echoed."""
    errors = batch.report["errors"]
    assert batch.status == "failed", batch.report
    assert any(
        e["line"] == line_no
        and e["field"] == field
        and any(text in e["message"] for text in REFUSED)
        for e in errors
    ), errors
    assert state() == before
    echoed = json.dumps(batch.report, ensure_ascii=False)
    log = OperationLog.objects.get(
        module=services.MODULE, business_type="import", target_id=str(batch.pk)
    )
    for name in SECRETS:
        assert name not in echoed, name
        assert name not in log.error, name


# -- references ----------------------------------------------------------------------------------

CRAFTSMAN_REFS: dict[str, Callable[[Scene], dict[str, Any]]] = {
    "this instance's id": lambda s: local_ref("craftsman", s.target),
    "a mapped source id": lambda s: {"id": fmt.record_id(NANSHAN, "craftsman", s.target.pk)},
    "the ID hash": lambda s: {
        "id": f"{FILE}:craftsman:99",
        "id_hash": fmt.keyed_hash(s.target.id_number, purpose="id_number"),
    },
}


def nanshan_text(world: Any, settings: Any) -> str:
    """南山's records as the sz-nanshan instance sends them (exported by 南山's own user)."""
    settings.INSTANCE_ID = NANSHAN
    text = export(world.county_operator, pii="hash", types="enterprise,craftsman,team,demand,match")
    settings.INSTANCE_ID = LOCAL
    return text


def map_nanshan(world: Any, settings: Any) -> None:
    """The province once imported 南山's records from the sz-nanshan instance: every one is
    linked to the local object (mapping rows ``sz-nanshan:<type>:<pk>`` → the same pk)."""
    batch = import_text(world.province_admin, nanshan_text(world, settings))
    assert (batch.status, batch.unchanged_count) == ("done", 7), batch.report
    assert ExchangeRecord.objects.filter(source_instance=NANSHAN).count() == 7


@pytest.mark.parametrize("how", list(CRAFTSMAN_REFS))
def test_a_match_to_another_units_craftsman_is_refused_like_the_manual_suggestion(
    world, settings, scene, how
):
    """The issue's case: a 宝安 demand linked to a 南山 craftsman, confirmed, and a service logged."""
    s = scene
    with pytest.raises(BusinessError) as manual:
        matching_services.suggestion_add_manual(actor=s.clerk, demand=s.demand, craftsman=s.target)
    assert manual.value.field == "craftsman"
    map_nanshan(world, settings)
    before = state()
    records = [
        line("match", 1, match_data(s, own_demand_ref(s), CRAFTSMAN_REFS[how](s))),
        line("service_record", 1, record_data(s, {"id": f"{FILE}:match:1"})),
    ]
    batch = import_text(s.clerk, dump(header(["match", "service_record"]), records))
    assert_refused(batch, before, 2, "data.craftsman")
    assert not MatchSuggestion.objects.filter(craftsman=s.target).exists()


def test_the_same_match_to_the_clerks_own_craftsman_is_imported(world, settings, scene):
    s = scene
    records = [
        line("match", 1, match_data(s, own_demand_ref(s), local_ref("craftsman", s.own))),
        line("service_record", 1, record_data(s, {"id": f"{FILE}:match:1"})),
    ]
    batch = import_text(s.clerk, dump(header(["match", "service_record"]), records))
    assert batch.status == "done", batch.report
    match = MatchSuggestion.objects.get(demand=s.demand)
    assert (match.craftsman, match.status) == (s.own, "confirmed")
    assert ServiceRecord.objects.filter(match=match).count() == 1


@pytest.mark.parametrize("how", ["this instance's id", "the demand number"])
def test_a_match_to_another_units_demand_is_refused(world, scene, how):
    s = scene
    other = s.nanshan.demand
    ref = (
        local_ref("demand", other)
        if how == "this instance's id"
        else {"id": f"{FILE}:demand:7", "number": other.number}
    )
    before = state()
    records = [line("match", 1, match_data(s, ref, local_ref("craftsman", s.own)))]
    batch = import_text(s.clerk, dump(header(["match"]), records))
    assert_refused(batch, before, 2, "data.demand")


@pytest.mark.parametrize("how", ["this instance's id", "the USCC"])
def test_a_demand_of_another_units_enterprise_is_refused(world, scene, how):
    s = scene
    other = s.nanshan.enterprise
    ref = (
        local_ref("enterprise", other)
        if how == "this instance's id"
        else {"id": f"{FILE}:enterprise:7", "uscc": other.uscc}
    )
    data = {
        **s.templates["demand"]["data"],
        "enterprise": ref,
        "number": None,
        "status": "draft",
        "submitted_at": None,
        "title": "冒名需求",
    }
    before = state()
    batch = import_text(s.clerk, dump(header(["demand"]), [line("demand", 1, data)]))
    assert_refused(batch, before, 2, "data.enterprise")


def test_a_team_with_another_units_craftsman_is_refused(world, scene):
    s = scene
    data = {
        **s.templates["team"]["data"],
        "org": baoan_org(world),
        "name": "宝安攻关队",
        "lead": local_ref("craftsman", s.own),
        "members": [
            {"craftsman": local_ref("craftsman", s.own), "role": "lead", "joined_on": None},
            {"craftsman": local_ref("craftsman", s.target), "role": "member", "joined_on": None},
        ],
    }
    before = state()
    batch = import_text(s.clerk, dump(header(["team"]), [line("team", 1, data)]))
    assert_refused(batch, before, 2, "data.members[1].craftsman")


def test_a_service_record_of_another_units_match_is_refused(world, scene):
    s = scene
    before = state()
    data = record_data(s, local_ref("match", s.nanshan.match))
    batch = import_text(
        s.clerk, dump(header(["service_record"]), [line("service_record", 1, data)])
    )
    assert_refused(batch, before, 2, "data.match")


@pytest.mark.parametrize("how", ["this instance's id", "a mapped source id"])
def test_a_1_1_service_record_with_skill_upgrades_of_another_units_match_is_refused(
    world, settings, scene, how
):
    """Format 1.1: the problems and skill upgrades of a session do not open a way round the
    match's scope; nothing is written (no upgrade either) and no 南山 name is echoed."""
    from jiangqiao.casework.session_models import SkillUpgrade

    s = scene
    if how == "a mapped source id":
        map_nanshan(world, settings)
        ref = {"id": fmt.record_id(NANSHAN, "match", s.nanshan.match.pk)}
    else:
        ref = local_ref("match", s.nanshan.match)
    data = {
        **record_data(s, ref),
        "problems": [{"description": "主轴异响", "result": "solved"}],
        "skill_upgrades": [
            {
                "worker_code": "BA-001",
                "occupation": {"scheme": "occupation", "code": "6-18-01-01"},
                "level_after": {"scheme": "skill_level", "code": "senior_worker"},
            }
        ],
    }
    upgrades = SkillUpgrade.objects.count()
    before = state()
    batch = import_text(
        s.clerk, dump(header(["service_record"]), [line("service_record", 1, data)])
    )
    assert_refused(batch, before, 2, "data.match")
    assert SkillUpgrade.objects.count() == upgrades


def test_a_reference_with_another_types_id_is_refused(world, scene):
    """``jiangqiao-local:demand:<pk>`` names a demand: it never resolves to the craftsman ``pk``."""
    s = scene
    wrong = {"id": fmt.record_id(LOCAL, "demand", s.own.pk)}
    before = state()
    records = [line("match", 1, match_data(s, own_demand_ref(s), wrong))]
    batch = import_text(s.clerk, dump(header(["match"]), records))
    assert_refused(batch, before, 2, "data.craftsman")


# -- existing records of another unit ------------------------------------------------------------


def nanshan_file(world: Any, settings: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    map_nanshan(world, settings)
    return parse(nanshan_text(world, settings))


def test_resending_another_units_records_by_their_source_id_is_refused(world, settings, scene):
    """Same content as the province imported: not even 未变化 with the local names."""
    s = scene
    head, records = nanshan_file(world, settings)
    before = state()
    batch = import_text(s.clerk, dump(head, records))
    assert_refused(batch, before, 2, "id")
    assert batch.error_count == len(records)


@pytest.mark.parametrize("record_type", ["craftsman", "enterprise", "team", "demand", "match"])
def test_a_newer_version_of_another_units_record_by_its_source_id_is_refused(
    world, settings, scene, record_type
):
    s = scene
    head, records = nanshan_file(world, settings)
    (record,) = [r for r in records if r["type"] == record_type][:1]
    change = {
        "craftsman": {"bio": "宝安改的简介"},
        "enterprise": {"remark": "宝安改的备注"},
        "team": {"description": "宝安改的说明"},
        "demand": {"current_state": "宝安改的现状"},
        "match": {"status": "rejected", "reason": "宝安拒绝"},
    }[record_type]
    record["data"].update(change)
    record["updated_at"] = "2099-01-01T00:00:00+08:00"
    before = state()
    statuses = sorted(MatchSuggestion.objects.values_list("pk", "status", "reason"))
    batch = import_text(s.clerk, dump(head, [record]))
    assert_refused(batch, before, 2, "id")
    assert sorted(MatchSuggestion.objects.values_list("pk", "status", "reason")) == statuses


def test_a_delete_of_another_units_match_is_refused(world, settings, scene):
    s = scene
    head, records = nanshan_file(world, settings)
    match = next(r for r in records if r["type"] == "match")
    delete = {**match, "op": "delete", "data": None, "updated_at": "2099-01-01T00:00:00+08:00"}
    ServiceRecord.objects.filter(match=s.nanshan.match).delete()  # else the delete stops there
    before = state()
    batch = import_text(s.clerk, dump({**head, "kind": "changes"}, [delete]))
    assert_refused(batch, before, 2, "id")
    assert MatchSuggestion.objects.filter(pk=s.nanshan.match.pk).exists()


def test_another_units_enterprise_found_by_uscc_is_neither_linked_nor_reported(world, scene):
    s = scene
    data = {**s.templates["enterprise"]["data"], "org": baoan_org(world), "name": "某某公司"}
    before = state()
    batch = import_text(
        s.clerk, dump(header(["enterprise"]), [line("enterprise", 1, data, updated_at=OLD)])
    )
    assert_refused(batch, before, 2, "data.uscc")


def test_another_units_craftsman_found_by_id_hash_is_neither_linked_nor_reported(world, scene):
    s = scene
    data = {
        **s.templates["craftsman"]["data"],
        "org": baoan_org(world),
        "name": "某某",
        "id_hash": fmt.keyed_hash(s.target.id_number, purpose="id_number"),
        "honours": [],
        "service_items": [],
    }
    before = state()
    batch = import_text(
        s.clerk, dump(header(["craftsman"]), [line("craftsman", 1, data, updated_at=OLD)])
    )
    assert_refused(batch, before, 2, "data.id_hash")


def test_another_units_demand_found_by_number_is_neither_linked_nor_reported(world, scene):
    s = scene
    data = {
        **s.templates["demand"]["data"],
        "enterprise": local_ref("enterprise", s.enterprise),
        "title": "某某需求",
    }
    assert data["number"] == s.nanshan.demand.number
    before = state()
    batch = import_text(
        s.clerk, dump(header(["demand"]), [line("demand", 1, data, updated_at=OLD)])
    )
    assert_refused(batch, before, 2, "data.number")


def test_a_target_unit_outside_the_scope_is_refused_without_its_name(world, scene):
    s = scene
    with pytest.raises(BusinessError) as exc:
        services.import_file(
            actor=s.clerk, content=dump(header(["enterprise"]), []), target_org=world.county_a1
        )
    assert exc.value.field == "target_org" and REFUSED[0] in exc.value.message
    assert world.county_a1.name not in exc.value.message


# -- the clerk's own data still travels ----------------------------------------------------------


def test_the_clerk_imports_and_reimports_his_own_units_file(world, settings):
    settings.INSTANCE_ID = FILE
    clerk = make_user("baoan_clerk", world.county_a2, scope_role(DataScope.ORG_AND_BELOW))
    build(world.county_a2, clerk)
    text = export(clerk, pii="hash")
    assert len(parse(text)[1]) == 7
    wipe()
    settings.INSTANCE_ID = LOCAL
    first = import_text(clerk, text)
    assert (first.status, first.new_count) == ("done", 7), first.report
    match = MatchSuggestion.objects.get()
    assert match.status == "confirmed" and match.demand.org == world.county_a2
    assert ServiceRecord.objects.get().match == match
    again = import_text(clerk, text)
    assert (again.status, again.unchanged_count) == ("done", 7), again.report
