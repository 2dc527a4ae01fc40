"""Format versions: 1.1 is additive, a 1.0 file is still read and imported exactly as before.

Provenance of ``data/format_1_0_snapshot.jsonl``: written by the 1.0 exporter of commit 919d51d
(branch ``casework``, before format 1.1), with ``helpers.build(world.county_a1,
world.province_admin)`` under ``INSTANCE_ID = "gd-province"`` and
``export_start(actor=world.province_admin, pii="hash")`` — the test settings' exchange hash key.
It is kept byte for byte as that exporter wrote it; do not regenerate it with a newer exporter.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jiangqiao.casework import sessions as session_services
from jiangqiao.casework.models import ServiceRecord
from jiangqiao.casework.session_models import SkillUpgrade
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.exchange import format as fmt
from jiangqiao.exchange import records as records_module
from jiangqiao.exchange.models import ExchangeRecord
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.talents.models import Craftsman, ServiceTeam

from .helpers import build, dump, export, import_text, parse, wipe

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
FILE_1_0 = DATA / "format_1_0_snapshot.jsonl"
TARGET = "national"


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_the_1_0_sample_is_a_1_0_file():
    header, *records = lines_of(FILE_1_0)
    assert header["version"] == "1.0"
    (session,) = [r for r in records if r["type"] == "service_record"]
    # None of the 1.1 keys: the sample really is what the 1.0 exporter wrote.
    assert not {"experts", "problems", "benefit_method", "benefit_verified_at"} & set(
        session["data"]
    )
    assert "skill_upgrades" not in session["data"]


def test_a_1_0_file_imports_as_before_and_twice_changes_nothing(world, settings):
    settings.INSTANCE_ID = TARGET
    content = FILE_1_0.read_bytes()
    batch = import_text(world.province_admin, content)
    assert batch.status == "done", batch.report
    assert batch.format_version == "1.0"
    assert (batch.new_count, batch.error_count, batch.conflict_count) == (7, 0, 0)
    assert Enterprise.objects.get().org == world.county_a1
    assert Craftsman.objects.count() == 2 and ServiceTeam.objects.count() == 1
    demand = Demand.objects.get()
    match = MatchSuggestion.objects.get()
    record = ServiceRecord.objects.get()
    assert record.match == match and record.demand == demand
    assert record.activities == ["tech_service", "skill_training"]
    assert (record.duration_min, record.prep_min, record.travel_min) == (240, 60, 45)
    assert (record.attendees, record.trainees, record.problems_solved) == (6, 4, 2)
    assert record.economic_benefit == Decimal("35.50") and record.enterprise_confirmed
    assert record.notes == "更换主轴轴承，调整预紧力；培训维修工 4 人"
    # The fields 1.0 does not carry keep their defaults.
    assert record.problems == [] and record.experts is None and record.benefit_method == ""
    assert record.benefit_verified_at is None and not record.skill_upgrades.exists()

    changes = ChangeLog.objects.count()
    again = import_text(world.province_admin, content)
    assert again.status == "done"
    assert (again.new_count, again.updated_count, again.unchanged_count) == (0, 0, 7)
    assert ChangeLog.objects.count() == changes
    assert ExchangeRecord.objects.count() == 7


# ------------------------------------------------------------------------------------------------
# Format 1.1: what a service record carries now
# ------------------------------------------------------------------------------------------------

SOURCE = "gd-province"
UPGRADES = [
    {
        "worker_code": "GH-0417",
        "worker_initials": "LM",
        "occupation": "6-18-01-01",
        "level_before": "intermediate_worker",
        "level_after": "senior_worker",
        "certificate_no": "S0000440100",
    },
    {
        "worker_code": "GH-0520",
        "worker_initials": "",
        "occupation": "6-18-01-01",
        "level_before": "",
        "level_after": "intermediate_worker",
        "certificate_no": "",
    },
]
PROBLEMS = [
    {"description": "主轴高速异响", "result": "solved"},
    {"description": "温升过快", "result": "partial"},
]


@pytest.fixture
def source(world, settings):
    """The helpers' data set, its session completed with the 1.1 fields (through the services)."""
    settings.INSTANCE_ID = SOURCE
    data = build(world.county_a1, world.province_admin)
    record = session_services.session_update(
        actor=world.province_admin,
        record=data.record,
        data={"experts": 2, "problems": PROBLEMS, "benefit_method": "停机损失 × 减少停机天数"},
    )
    for upgrade in UPGRADES:
        session_services.skill_upgrade_add(actor=world.province_admin, record=record, data=upgrade)
    # Verified by staff other than the person who logged it (the session service's rule).
    data.record = session_services.session_verify_benefit(actor=world.city_admin_a, record=record)
    return data


def upgrades_of(record: ServiceRecord) -> list[dict[str, Any]]:
    return [
        {f: getattr(u, f) for f in session_services.UPGRADE_FIELDS}
        for u in record.skill_upgrades.order_by("worker_code")
    ]


def session_line(records: list[dict[str, Any]]) -> dict[str, Any]:
    (line,) = [r for r in records if r["type"] == "service_record"]
    return line


def test_a_1_1_export_carries_the_new_session_fields(world, source):
    header, records = parse(export(world.province_admin))
    assert header["version"] == fmt.VERSION
    data = session_line(records)["data"]
    assert data["experts"] == 2 and data["problems"] == PROBLEMS
    assert data["problems_solved"] == 1  # the session service counts the solved problems
    assert data["benefit_method"] == "停机损失 × 减少停机天数"
    assert data["benefit_verified_at"] == source.record.benefit_verified_at.isoformat()
    assert "benefit_verified_by" not in data and "city_admin_a" not in json.dumps(data)
    first = data["skill_upgrades"][0]
    assert first == {
        "worker_code": "GH-0417",
        "worker_initials": "LM",
        "occupation": {
            "scheme": "occupation",
            "code": "6-18-01-01",
            "label": first["occupation"]["label"],
            "version": first["occupation"]["version"],
        },
        "level_before": {
            "scheme": "skill_level",
            "code": "intermediate_worker",
            "label": first["level_before"]["label"],
            "version": first["level_before"]["version"],
        },
        "level_after": {
            "scheme": "skill_level",
            "code": "senior_worker",
            "label": first["level_after"]["label"],
            "version": first["level_after"]["version"],
        },
        "certificate_no": "S0000440100",
    }
    assert first["occupation"]["label"] and first["level_after"]["label"]
    assert data["skill_upgrades"][1]["level_before"] is None


def test_a_1_1_round_trip_carries_problems_and_skill_upgrades_field_by_field(
    world, settings, source
):
    text = export(world.province_admin)
    _, records = parse(text)
    verified_at = source.record.benefit_verified_at
    wipe()
    settings.INSTANCE_ID = TARGET
    logged = OperationLog.objects.filter(
        module=session_services.MODULE, action__startswith="登记技能提升"
    )
    before = logged.count()
    batch = import_text(world.province_admin, text)
    assert batch.status == "done", batch.report
    assert (batch.new_count, batch.error_count) == (7, 0)
    record = ServiceRecord.objects.get()
    assert record.experts == 2 and record.problems == PROBLEMS and record.problems_solved == 1
    assert record.benefit_method == "停机损失 × 减少停机天数"
    assert record.benefit_verified_at == verified_at
    assert record.benefit_verified_by is None  # a user of another instance is not carried
    assert upgrades_of(record) == sorted(UPGRADES, key=lambda u: u["worker_code"])
    assert all(u.created_by == world.province_admin for u in record.skill_upgrades.all())
    # Written through the session services: their operation-log rows are there.
    assert logged.count() - before == len(UPGRADES)
    # The re-export of the imported session is the same record.
    _, again = parse(export(world.province_admin))
    assert session_line(again)["data"] == session_line(records)["data"]

    changes = ChangeLog.objects.count()
    twice = import_text(world.province_admin, text)
    assert (twice.status, twice.unchanged_count, twice.updated_count) == ("done", 7, 0)
    assert ChangeLog.objects.count() == changes and SkillUpgrade.objects.count() == 2


def test_a_newer_1_1_version_replaces_the_upgrade_list_through_the_services(
    world, settings, source
):
    first = export(world.province_admin)
    record = source.record
    record = session_services.session_update(
        actor=world.province_admin,
        record=record,
        data={"problems": [*PROBLEMS, {"description": "润滑不良", "result": "solved"}]},
    )
    gone = record.skill_upgrades.get(worker_code="GH-0520")
    session_services.skill_upgrade_delete(actor=world.province_admin, upgrade=gone)
    session_services.skill_upgrade_add(
        actor=world.province_admin,
        record=record,
        data={"worker_code": "GH-0601", "occupation": "6-18-01-01", "level_after": "technician"},
    )
    second = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = TARGET
    assert import_text(world.province_admin, first).new_count == 7
    local = ServiceRecord.objects.get()
    kept = local.skill_upgrades.get(worker_code="GH-0417")

    batch = import_text(world.province_admin, second)
    assert batch.status == "done", batch.report
    assert batch.updated_count == 1 and batch.unchanged_count == 6
    local.refresh_from_db()
    assert [p["description"] for p in local.problems] == ["主轴高速异响", "温升过快", "润滑不良"]
    assert local.problems_solved == 2
    assert sorted(local.skill_upgrades.values_list("worker_code", flat=True)) == [
        "GH-0417",
        "GH-0601",
    ]
    assert local.skill_upgrades.get(worker_code="GH-0417").pk == kept.pk  # kept, not re-added
    assert local.skill_upgrades.get(worker_code="GH-0601").level_after == "technician"
    assert OperationLog.objects.filter(
        module=session_services.MODULE, action__startswith="删除技能提升（职工 GH-0520）"
    ).exists()

    changes = ChangeLog.objects.count()
    again = import_text(world.province_admin, second)
    assert (again.unchanged_count, again.updated_count) == (7, 0)
    assert ChangeLog.objects.count() == changes and SkillUpgrade.objects.count() == 2


def test_a_1_0_record_updating_a_session_leaves_the_1_1_fields_alone(world, settings, source):
    text = export(world.province_admin)
    header, records = parse(text)
    wipe()
    settings.INSTANCE_ID = TARGET
    assert import_text(world.province_admin, text).new_count == 7
    line = session_line(records)
    old = {
        k: v
        for k, v in line["data"].items()
        if k not in records_module.SESSION_KEYS_1_1 and k != "problems_solved"
    }
    newer = {
        **line,
        "updated_at": "2099-01-01T00:00:00+08:00",
        "data": {**old, "notes": "1.0 来源补充的纪要"},
    }
    batch = import_text(world.province_admin, dump({**header, "version": "1.0"}, [newer]))
    assert batch.status == "done", batch.report
    assert batch.updated_count == 1
    record = ServiceRecord.objects.get()
    assert record.notes == "1.0 来源补充的纪要"
    assert record.problems == PROBLEMS and record.experts == 2
    assert record.benefit_verified_at == source.record.benefit_verified_at
    assert SkillUpgrade.objects.count() == 2


def without_1_2_keys(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records as a 1.1 exporter wrote them (no keys that format 1.2 added)."""
    added = fmt.ADDED_KEYS["1.2"]
    return [
        {**r, "data": {k: v for k, v in r["data"].items() if k not in added.get(r["type"], ())}}
        if r.get("data")
        else r
        for r in records
    ]


def test_a_1_0_file_may_not_carry_1_1_keys(world, settings, source):
    header, records = parse(export(world.province_admin))
    records = without_1_2_keys(records)
    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, dump({**header, "version": "1.0"}, records))
    assert batch.status == "failed"
    fields = {e["field"] for e in batch.report["errors"]}
    assert "data.skill_upgrades" in fields and "data.problems" in fields
    assert all("格式 1.0 的文件不能包含此字段" in e["message"] for e in batch.report["errors"]), (
        batch.report["errors"]
    )
    assert not ServiceRecord.objects.exists() and not Enterprise.objects.exists()


def test_mappings_written_by_a_1_0_importer_stay_valid_for_1_1(world, settings):
    """A session imported from a 1.0 file, then the same source upgraded to 1.1 and sending the
    session again with the 1.1 keys (still empty): an update, not a false local-change conflict."""
    settings.INSTANCE_ID = TARGET
    header, *records = lines_of(FILE_1_0)
    assert import_text(world.province_admin, FILE_1_0.read_bytes()).new_count == 7
    record = ServiceRecord.objects.get()
    handler = records_module.HANDLERS["service_record"]
    values_1_0 = {
        k: v
        for k, v in handler.local_values(record).items()
        if k not in records_module.SESSION_KEYS_1_1
    }
    # What the 1.0 handler stored as the local fingerprint is what the 1.1 handler computes.
    assert ExchangeRecord.objects.get(record_type="service_record").local_fingerprint == (
        fmt.fingerprint({**values_1_0, "_org": None, "_pii": ["", ""]})
    )
    line = next(r for r in records if r["type"] == "service_record")
    line["updated_at"] = "2099-01-01T00:00:00+08:00"
    line["data"].update(
        experts=None,
        problems=[{"description": "主轴异响", "result": "solved"}],
        benefit_method="",
        benefit_verified_at=None,
        skill_upgrades=[
            {
                "worker_code": "GH-1",
                "occupation": {"scheme": "occupation", "code": "6-18-01-01"},
                "level_after": {"scheme": "skill_level", "code": "senior_worker"},
            }
        ],
    )
    batch = import_text(world.province_admin, dump({**header, "version": "1.1"}, [line]))
    assert batch.status == "done", batch.report
    assert (batch.updated_count, batch.conflict_count) == (1, 0)
    record.refresh_from_db()
    assert record.problems_solved == 1 and record.skill_upgrades.get().worker_code == "GH-1"


# ------------------------------------------------------------------------------------------------
# Bad 1.1 lines
# ------------------------------------------------------------------------------------------------


def upgrade_tags(**item: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"worker_code": item.get("worker_code", "GH-9")}
    for key, scheme in (
        ("occupation", "occupation"),
        ("level_before", "skill_level"),
        ("level_after", "skill_level"),
    ):
        if item.get(key):
            out[key] = {"scheme": scheme, "code": item[key]}
    return out


@pytest.mark.parametrize(
    ("upgrade", "field", "words"),
    [
        (
            upgrade_tags(
                occupation="6-18-01-01", level_before="senior_worker", level_after="junior_worker"
            ),
            "data.skill_upgrades[0].level_after",
            "技能提升第1项：提升后技能等级应高于原技能等级",
        ),
        (
            upgrade_tags(
                worker_code="440305199001011234",
                occupation="6-18-01-01",
                level_after="senior_worker",
            ),
            "data.skill_upgrades[0].worker_code",
            "技能提升第1项：职工编号不能是身份证号或手机号",
        ),
        (
            upgrade_tags(occupation="6-18-01-01"),
            "data.skill_upgrades[0].level_after",
            "缺少必填字段",
        ),
        (
            upgrade_tags(occupation="9-99-99-99", level_after="senior_worker"),
            "data.skill_upgrades[0].occupation",
            "“9-99-99-99”不存在",
        ),
    ],
    ids=["level_goes_down", "id_number_as_code", "no_level_after", "unknown_occupation"],
)
def test_a_bad_skill_upgrade_is_a_chinese_line_error_and_nothing_is_written(
    world, settings, source, upgrade, field, words
):
    header, records = parse(export(world.province_admin))
    line = session_line(records)
    line["data"]["skill_upgrades"] = [upgrade]
    n = records.index(line) + 2
    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "failed"
    errors = batch.report["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(n, field)], errors
    assert words in errors[0]["message"]
    assert not ServiceRecord.objects.exists() and not SkillUpgrade.objects.exists()
    assert not Enterprise.objects.exists()  # the file is all or nothing


def test_a_bad_problem_item_is_a_chinese_line_error(world, settings, source):
    header, records = parse(export(world.province_admin))
    line = session_line(records)
    line["data"]["problems"] = [{"description": "异响", "result": "maybe"}]
    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, dump(header, records))
    (error,) = batch.report["errors"]
    assert error["field"] == "data.problems[0].result"
    assert "取值“maybe”不在允许范围内" in error["message"]
    assert not ServiceRecord.objects.exists()


def test_a_file_of_version_2_0_is_refused_with_a_chinese_message(world, settings, source):
    header, records = parse(export(world.province_admin))
    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, dump({**header, "version": "2.0"}, records))
    assert batch.status == "failed"
    assert batch.report["errors"] == [
        {
            "line": 1,
            "field": "version",
            "message": "格式版本“2.0”不受支持（本实例支持 1.0, 1.1, 1.2）",
        }
    ]
    assert not Enterprise.objects.exists() and not ServiceRecord.objects.exists()


def test_sessions_without_a_match_are_still_left_out_of_a_1_1_file(world):
    """Offers from claims and direct requests have no match: 1.1 does not carry their sessions
    (docs/exchange.md §2.6 — the receiver would have no accepted offer to log them against)."""
    from jiangqiao.casework.tests.test_sessions import accepted_offer, confirmed_match, record_data

    user = world.city_admin_a
    with_match = session_services.session_create(
        actor=user,
        offer=accepted_offer(confirmed_match(world.county_a1, user)),
        data=record_data(),
    )
    direct = accepted_offer(
        confirmed_match(world.county_a1, user), suggestion=None, source="direct"
    )
    without = session_services.session_create(actor=user, offer=direct, data=record_data())
    assert without.match_id is None
    header, records = parse(export(user))
    assert header["version"] == fmt.VERSION
    assert [r["id"].rsplit(":", 1)[1] for r in records if r["type"] == "service_record"] == [
        str(with_match.pk)
    ]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"economic_benefit": None}, "没有效益估算的服务记录不能是已核实"),
        ({"benefit_verified_at": "2099-01-01T00:00:00+08:00"}, "不能晚于现在"),
        ({"benefit_verified_at": "2026-13-45T99:00:00"}, "不是有效的时间"),
    ],
    ids=["no_figure", "future", "garbled"],
)
def test_a_bad_verification_time_is_a_chinese_line_error(world, settings, source, change, words):
    header, records = parse(export(world.province_admin))
    line = session_line(records)
    line["data"].update(change)
    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "failed"
    (error,) = batch.report["errors"]
    assert error["field"] == "data.benefit_verified_at" and words in error["message"], error
    assert not ServiceRecord.objects.exists()
