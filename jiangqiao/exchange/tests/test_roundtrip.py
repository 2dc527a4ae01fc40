"""The acceptance check of issue 5 point 6: an export imported into an empty database reproduces
the records, importing it twice changes nothing; incremental export; conflicts; round trips."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from jiangqiao.casework.models import ServiceRecord
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.exchange.models import ExchangeRecord
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import Craftsman, ServiceTeam

from .helpers import build, dump, export, import_text, parse, wipe

pytestmark = pytest.mark.django_db

SOURCE = "gd-province"
TARGET = "national"


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


@pytest.fixture
def source(world, settings):
    settings.INSTANCE_ID = SOURCE
    return build(world.county_a1, world.province_admin)


def test_snapshot_imported_into_an_empty_database_reproduces_every_record(world, settings, source):
    text = export(world.province_admin, pii="full")
    header, records = parse(text)
    assert header["format"] == "jiangqiao-exchange" and header["version"] == "1.2"
    assert header["instance"] == SOURCE and header["kind"] == "snapshot"
    assert [r["type"] for r in records] == [
        "enterprise",
        "craftsman",
        "craftsman",
        "team",
        "demand",
        "match",
        "service_record",
    ]
    assert all(r["source"] == SOURCE and r["id"].startswith(f"{SOURCE}:") for r in records)

    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, text)
    assert batch.status == "done", batch.report
    assert (batch.new_count, batch.error_count, batch.conflict_count) == (7, 0, 0)

    # Everything is back, field by field: the re-export of the imported objects is identical.
    _, again = parse(export(world.province_admin, pii="full"))
    assert by_id(again).keys() == by_id(records).keys()
    for rid, record in by_id(records).items():
        assert by_id(again)[rid]["data"] == record["data"], rid
        assert by_id(again)[rid]["source"] == SOURCE

    # ... and the derived columns were written by the services (search, codes, size class).
    ent = Enterprise.objects.get()
    assert ent.name == "深圳精工机械有限公司" and ent.size_class and ent.org == world.county_a1
    master = Craftsman.objects.get(name="王师傅")
    assert master.id_number == source.craftsmen[0].id_number
    assert (
        master.honours.get().verified
        and master.service_items.get().service_type == "tech_breakthrough"
    )
    assert master.codes.filter(scheme="industry").exists() and "王师傅" in master.search_text
    team = ServiceTeam.objects.get()
    assert team.lead == master and team.memberships.count() == 2
    demand = Demand.objects.get()
    assert demand.number == source.demand.number and demand.status == "submitted"
    assert demand.codes.filter(scheme="industry", code="3461").exists()
    match = MatchSuggestion.objects.get()
    assert (match.demand, match.craftsman, match.status, match.score) == (
        demand,
        master,
        "confirmed",
        0.875,
    )
    record = ServiceRecord.objects.get()
    assert record.match == match and record.activities == ["tech_service", "skill_training"]
    assert (record.duration_min, record.trainees, record.economic_benefit) == (
        240,
        4,
        Decimal("35.50"),
    )
    assert record.enterprise_confirmed and record.date == source.record.date
    assert ExchangeRecord.objects.filter(source_instance=SOURCE).count() == 7


def test_importing_the_same_file_twice_changes_nothing(world, settings, source):
    text = export(world.province_admin, pii="hash")
    wipe()
    settings.INSTANCE_ID = TARGET
    first = import_text(world.province_admin, text)
    assert first.new_count == 7, first.report
    counts = {
        m: m.objects.count()
        for m in (
            Enterprise,
            Craftsman,
            ServiceTeam,
            Demand,
            MatchSuggestion,
            ServiceRecord,
            ExchangeRecord,
        )
    }
    changes = ChangeLog.objects.count()
    second = import_text(world.province_admin, text)
    assert second.status == "done"
    assert (second.new_count, second.updated_count, second.unchanged_count) == (0, 0, 7)
    assert {m: m.objects.count() for m in counts} == counts
    assert ChangeLog.objects.count() == changes
    assert OperationLog.objects.filter(business_type="import").count() == 2


def test_a_dry_run_writes_nothing_but_reports_what_would_happen(world, settings, source):
    text = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, text, dry_run=True)
    assert batch.status == "dry_run" and batch.new_count == 7
    assert not Craftsman.objects.exists() and not ExchangeRecord.objects.exists()
    assert not ServiceRecord.objects.exists()


def test_changes_since_a_cursor_contain_just_the_edited_record(world, source):
    header, _ = parse(export(world.province_admin))
    cursor = header["cursor_to"]
    second = source.craftsmen[1]
    talent_services.craftsman_update(
        actor=world.province_admin, craftsman=second, data={"bio": "新的简介"}
    )
    header2, records = parse(export(world.province_admin, since=cursor))
    assert header2["kind"] == "changes" and header2["cursor_from"] == cursor
    assert header2["cursor_to"] > cursor
    assert [(r["type"], r["id"]) for r in records] == [
        ("craftsman", f"{SOURCE}:craftsman:{second.pk}")
    ]
    assert records[0]["data"]["bio"] == "新的简介"
    # A child (honour) edit brings its craftsman; nothing after the last cursor → empty file.
    _, nothing = parse(export(world.province_admin, since=header2["cursor_to"]))
    assert nothing == []
    talent_services.service_item_add(
        actor=world.province_admin,
        craftsman=second,
        data={"title": "焊接工艺培训", "service_type": "tech_service"},
    )
    _, child = parse(export(world.province_admin, since=header2["cursor_to"]))
    assert [r["id"] for r in child] == [f"{SOURCE}:craftsman:{second.pk}"]


def test_a_deleted_match_is_exported_as_a_delete_and_removed_on_import(world, settings, source):
    text = export(world.province_admin, types="enterprise,craftsman,team,demand,match")
    header, _ = parse(text)
    settings.INSTANCE_ID = TARGET
    wipe_ids = source.match.pk
    # Import at the "national" side first, then delete the match at the source and send changes.
    settings.INSTANCE_ID = SOURCE
    source.record.delete()
    source.match.delete()
    changes = export(world.province_admin, since=header["cursor_to"], types="match")
    _, records = parse(changes)
    assert records == [
        {
            **records[0],
            "type": "match",
            "id": f"{SOURCE}:match:{wipe_ids}",
            "op": "delete",
            "data": None,
        }
    ]
    wipe()
    settings.INSTANCE_ID = TARGET
    assert import_text(world.province_admin, text).new_count == 6
    batch = import_text(world.province_admin, changes)
    assert batch.status == "done" and batch.updated_count == 1, batch.report
    assert not MatchSuggestion.objects.exists()


def test_a_local_edit_and_a_newer_incoming_version_is_a_conflict_and_local_data_is_kept(
    world, settings, source
):
    text = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = TARGET
    import_text(world.province_admin, text)
    local = Craftsman.objects.get(name="李师傅")
    talent_services.craftsman_update(
        actor=world.province_admin, craftsman=local, data={"bio": "本地改的简介"}
    )
    header, records = parse(text)
    for r in records:
        if r["type"] == "craftsman" and r["data"]["name"] == "李师傅":
            r["data"]["bio"] = "来源改的简介"
            r["updated_at"] = "2099-01-01T00:00:00+08:00"
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "done"
    assert (batch.conflict_count, batch.unchanged_count) == (1, 6)
    conflict = batch.report["conflicts"][0]
    assert conflict["fields"] == ["bio"] and conflict["field_labels"] == ["个人简介"]
    assert conflict["incoming_updated_at"].startswith("2099") and conflict["local_updated_at"]
    local.refresh_from_db()
    assert local.bio == "本地改的简介"


def test_a_newer_incoming_version_without_local_edits_updates_the_record(world, settings, source):
    text = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = TARGET
    import_text(world.province_admin, text)
    header, records = parse(text)
    for r in records:
        if r["type"] == "enterprise":
            r["data"]["name"] = "深圳精工机械股份有限公司"
        if r["type"] == "team":
            r["data"]["members"] = [m for m in r["data"]["members"] if m["role"] == "lead"]
    batch = import_text(world.province_admin, dump(header, records))
    assert (batch.updated_count, batch.unchanged_count, batch.conflict_count) == (2, 5, 0), (
        batch.report
    )
    assert Enterprise.objects.get().name == "深圳精工机械股份有限公司"
    assert ServiceTeam.objects.get().memberships.count() == 1
    # and once more: unchanged
    again = import_text(world.province_admin, dump(header, records))
    assert again.unchanged_count == 7


def test_own_records_coming_back_are_skipped(world, settings, source):
    text = export(world.province_admin)
    batch = import_text(world.province_admin, text)
    assert batch.status == "done" and batch.skipped_count == 7 and batch.new_count == 0
    assert {s["reason"] for s in batch.report["skipped"]} == {"本实例自己的记录（往返），不再导入"}


def test_imported_records_keep_their_source_id_when_exported_onwards(world, settings, source):
    text = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = TARGET
    import_text(world.province_admin, text)
    _, onward = parse(export(world.province_admin))
    assert {r["source"] for r in onward} == {SOURCE}
    # Back at the province, the national file is a round trip: nothing is imported twice.
    settings.INSTANCE_ID = SOURCE
    back = import_text(world.province_admin, export(world.province_admin))
    assert back.skipped_count == 7


def test_existing_enterprise_with_the_same_uscc_is_linked_not_duplicated(world, settings, source):
    text = export(world.province_admin, types="enterprise")
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, text)
    assert batch.unchanged_count == 1 and Enterprise.objects.count() == 1
    row = ExchangeRecord.objects.get()
    assert row.object_id == source.enterprise.pk
    assert row.content_type == ContentType.objects.get_for_model(Enterprise)


def test_an_incoming_service_record_is_checked_like_one_entered_by_staff(world, settings, source):
    text = export(world.province_admin)
    header, records = parse(text)
    for r in records:
        if r["type"] == "service_record":
            r["data"]["date"] = "2099-01-01"
    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "failed" and batch.error_count == 1
    (error,) = batch.report["errors"]
    assert error["field"] == "data.date" and "不能晚于今天" in error["message"]
    assert not ServiceRecord.objects.exists() and not Enterprise.objects.exists()  # all or nothing


def test_a_service_record_of_a_match_that_is_not_confirmed_here_is_refused(world, settings, source):
    text = export(world.province_admin)
    header, records = parse(text)
    for r in records:
        if r["type"] == "match":
            r["data"]["status"] = "rejected"
    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "failed"
    assert any("只能为已确认的匹配登记服务记录" in e["message"] for e in batch.report["errors"])


def test_changes_since_a_cursor_bring_an_edited_service_record(world, source):
    from jiangqiao.casework import sessions as session_services

    header, _ = parse(export(world.province_admin))
    session_services.session_update(
        actor=world.province_admin, record=source.record, data={"problems_solved": 3}
    )
    _, records = parse(export(world.province_admin, since=header["cursor_to"]))
    assert [(r["type"], r["id"]) for r in records] == [
        ("service_record", f"{SOURCE}:service_record:{source.record.pk}")
    ]
    assert records[0]["data"]["problems_solved"] == 3


def test_a_delete_of_a_match_with_local_service_records_is_refused(world, settings, source):
    text = export(world.province_admin)
    header, _ = parse(text)
    match_id = f"{SOURCE}:match:{source.match.pk}"
    wipe()
    settings.INSTANCE_ID = TARGET
    assert import_text(world.province_admin, text).new_count == 7
    delete = {
        "type": "match",
        "id": match_id,
        "source": SOURCE,
        "op": "delete",
        "updated_at": "2099-01-01T00:00:00+08:00",
        "data": None,
    }
    batch = import_text(world.province_admin, dump({**header, "kind": "changes"}, [delete]))
    assert batch.status == "failed"
    assert "已有服务记录" in batch.report["errors"][0]["message"]
    assert MatchSuggestion.objects.count() == 1 and ServiceRecord.objects.count() == 1


def test_the_detail_page_says_which_instance_a_record_came_from(client, world, settings, source):
    text = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = TARGET
    import_text(world.province_admin, text)
    craftsman = Craftsman.objects.first()
    assert craftsman is not None
    client.force_login(world.province_admin)
    page = client.get(craftsman.get_absolute_url() + "?tab=changelog").content.decode()
    assert "数据交换来源" in page and SOURCE in page
