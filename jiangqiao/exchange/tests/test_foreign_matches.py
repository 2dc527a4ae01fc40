"""Exchange dry runs against another unit's records (issue 12, item 6).

An exchange file whose records match 南山's records — by their natural key (USCC, ID hash, demand
number) or by a source id 南山 imported before — is checked by a user of 宝安 or 广州. The report
says per line only that the record exists in another unit and must be handled there: no name, no
URL, no per-field diff (the equality oracle), no "unchanged / linked" verdict. One sensitive-read
row per import records the count.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from jiangqiao.core.choices import DataScope
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user, scope_role
from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.exchange.records import org_info
from jiangqiao.talents.models import Craftsman, ServiceTeam

from .helpers import DataSet, build, dump, export, import_text, parse, wipe

pytestmark = pytest.mark.django_db
SOURCE = "gd-province"
ELSEWHERE = "已在其他单位登记，请联系其所属工会处理"


@pytest.fixture
def baoan(world):
    return make_user("baoan_operator", world.county_a2, scope_role(DataScope.ORG))


def attackers(world, baoan) -> list[Any]:
    return [baoan, world.city_admin_b]


def their_unit(world, user) -> Any:
    return world.county_a2 if user.org == world.county_a2 else world.county_b1


def secrets(world, data) -> list[str]:
    objs = [data.enterprise, *data.craftsmen, data.team, data.demand]
    return [
        data.enterprise.name,
        *(c.name for c in data.craftsmen),
        data.team.name,
        data.demand.title,
        world.county_a1.name,
        *(o.get_absolute_url() for o in objs),
    ]


def assert_discloses_nothing(world, data, batch) -> None:
    text = json.dumps(batch.report, ensure_ascii=False)
    for secret in secrets(world, data):
        assert secret not in text
    assert batch.report["conflicts"] == []
    for entry in batch.report["records"]:
        assert "object" not in entry and "url" not in entry and "fields" not in entry


def reads(user) -> list[OperationLog]:
    return list(OperationLog.objects.filter(business_type="view_sensitive", user=user))


def test_natural_keys_of_another_unit_are_reported_without_name_url_or_diff(world, settings, baoan):
    settings.INSTANCE_ID = SOURCE
    nanshan = build(world.county_a1, world.province_admin)
    header, records = parse(export(world.province_admin, types="enterprise,craftsman,demand"))
    settings.INSTANCE_ID = "national"
    for user in attackers(world, baoan):
        # The outsider's own copy: placed in their own unit, names and title of their own.
        for r in records:
            r["data"]["org"] = org_info(their_unit(world, user))
            if r["type"] in ("enterprise", "craftsman"):
                r["data"]["name"] = "外单位改名"
            if r["type"] == "demand":
                r["data"]["title"] = "外单位标题"
        batch = import_text(user, dump(header, records), dry_run=True)
        assert_discloses_nothing(world, nanshan, batch)
        assert batch.status == "failed"
        by_line = {e["line"]: e for e in batch.report["errors"]}
        assert by_line[2]["field"] == "data.uscc"
        assert by_line[2]["message"] == f"该企业{ELSEWHERE}"
        for line in (3, 4):  # the two craftsmen, matched by their ID hash
            assert by_line[line]["message"] == f"该人员{ELSEWHERE}"
        assert 5 in by_line  # the demand (its number, or its enterprise, is 南山's)
        rows = reads(user)
        assert len(rows) == 1
        # The enterprise and both craftsmen at least (the demand too, when its reference
        # resolves to 南山's enterprise).
        assert rows[0].extra["hits"] >= 3


def test_source_ids_imported_by_another_unit_are_reported_without_name_or_url(
    world, settings, baoan
):
    settings.INSTANCE_ID = SOURCE
    nanshan = build(world.county_a1, world.province_admin)
    text = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = "national"
    first = import_text(world.county_operator, text)  # 南山 imports the file: its mappings
    assert first.status == "done", first.report
    imported = DataSet(
        enterprise=Enterprise.objects.get(),
        craftsmen=list(Craftsman.objects.order_by("pk")),
        team=ServiceTeam.objects.get(),
        demand=Demand.objects.get(),
        match=nanshan.match,
        record=nanshan.record,
    )
    for user in attackers(world, baoan):
        batch = import_text(user, text, dry_run=True)
        assert_discloses_nothing(world, imported, batch)
        assert batch.status == "failed"
        assert batch.unchanged_count == 0
        messages = {e["message"] for e in batch.report["errors"]}
        assert all(ELSEWHERE in m for m in messages), messages
        assert len(reads(user)) == 1
    # Within the user's scope the report keeps the names and links.
    own = import_text(world.city_admin_a, text, dry_run=True)
    assert own.unchanged_count == 7, own.report
    assert any(r.get("object") == imported.enterprise.name for r in own.report["records"])
    assert reads(world.city_admin_a) == []


def test_over_the_limit_the_report_holds_only_the_refusal_and_the_api_answers_429(
    world, settings, baoan
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from jiangqiao.core.probes import ProbeLimited
    from jiangqiao.exchange.models import ExchangeBatch

    settings.JIANGQIAO_FOREIGN_MATCH_LIMIT = 2
    settings.INSTANCE_ID = SOURCE
    nanshan = build(world.county_a1, world.province_admin)
    header, records = parse(export(world.province_admin, types="enterprise,craftsman"))
    for r in records:
        r["data"]["org"] = org_info(world.county_a2)
    content = dump(header, records)
    settings.INSTANCE_ID = "national"
    with pytest.raises(ProbeLimited):
        import_text(baoan, content, dry_run=True)  # three of 南山's records, limit two
    batch = ExchangeBatch.objects.filter(created_by=baoan).get()
    assert batch.status == "failed"
    assert [e["line"] for e in batch.report["errors"]] == [1]
    assert "分钟后再试" in batch.report["errors"][0]["message"]
    assert batch.report["records"] == [] and batch.error_count == 1
    assert_discloses_nothing(world, nanshan, batch)
    (row,) = reads(baoan)
    assert (row.extra["hits"], row.status) == (3, "fail")
    # Blocked: the next file is refused before it is read, through the API with 429.
    api = APIClient()
    api.force_authenticate(baoan)
    response = api.post(
        "/api/v1/exchange/import/",
        {"file": SimpleUploadedFile("x.jsonl", content), "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 429, response.content
    assert "Retry-After" in response.headers
    assert ExchangeBatch.objects.filter(created_by=baoan).count() == 1
