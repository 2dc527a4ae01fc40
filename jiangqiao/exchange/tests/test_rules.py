"""PII modes, bad input (every bad line reported, nothing written) and data scope."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

from jiangqiao.accounts.forms import PERMISSION_APPS
from jiangqiao.accounts.models import Role
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands.models import Enterprise
from jiangqiao.exchange import format as fmt
from jiangqiao.exchange import services
from jiangqiao.exchange.models import ExchangeRecord
from jiangqiao.talents.models import Craftsman

from .helpers import build, dump, export, import_text, parse, wipe

pytestmark = pytest.mark.django_db
SOURCE = "gd-province"


@pytest.fixture
def source(world, settings):
    settings.INSTANCE_ID = SOURCE
    return build(world.county_a1, world.province_admin)


def role_without(code: str, **exclude: str) -> Role:
    """A 本级及下级 role with every platform permission except ``exclude`` (a fresh group)."""
    group = Group.objects.create(name=f"role:{code}")
    perms = Permission.objects.filter(content_type__app_label__in=PERMISSION_APPS).exclude(
        **exclude
    )
    group.permissions.set(perms)
    return Role.objects.create(group=group, code=code, name=code, data_scope="org_and_below")


def craftsman_records(text: str) -> list[dict]:
    return [r for r in parse(text)[1] if r["type"] == "craftsman"]


# -- PII -----------------------------------------------------------------------------------------


def test_hash_mode_never_reveals_the_id_number_or_mobile(world, source):
    text = export(world.province_admin, pii="hash")
    person = source.craftsmen[0]
    assert person.id_number not in text and person.mobile not in text
    assert person.id_number[-4:] not in json.dumps(
        [r["data"]["id_number"] for r in craftsman_records(text)]
    )
    record = craftsman_records(text)[0]
    assert record["data"]["id_number"] is None and record["data"]["mobile"] is None
    assert record["data"]["id_hash"] == fmt.keyed_hash(person.id_number, purpose="id_number")
    assert parse(text)[0]["pii"] == "hash"


def test_masked_mode_uses_the_platform_masking(world, source):
    text = export(world.province_admin, pii="masked")
    record = craftsman_records(text)[0]
    person = source.craftsmen[0]
    assert record["data"]["id_number"] != person.id_number and "*" in record["data"]["id_number"]
    assert record["data"]["id_hash"] is None and person.id_number not in text


def test_full_mode_needs_the_sensitive_permission_and_is_logged(world, source):
    viewer = make_user(
        "no_sensitive", world.city_a, role_without("nosens", codename="view_sensitive_craftsman")
    )
    with pytest.raises(BusinessError) as exc:
        services.export_start(actor=viewer, pii="full")
    assert exc.value.field == "pii"
    before = OperationLog.objects.filter(business_type="view_sensitive").count()
    text = export(world.province_admin, pii="full")
    assert source.craftsmen[0].id_number in text
    assert OperationLog.objects.filter(business_type="view_sensitive").count() == before + 1


def test_a_hash_only_import_keeps_the_hash_on_the_mapping_and_deduplicates(world, settings, source):
    text = export(world.province_admin, pii="hash", types="craftsman")
    wipe()
    settings.INSTANCE_ID = "national"
    batch = import_text(world.province_admin, text)
    assert batch.new_count == 2
    imported = Craftsman.objects.get(name="王师傅")
    assert imported.id_number == "" and imported.mobile == ""
    row = ExchangeRecord.objects.get(object_id=imported.pk, record_type="craftsman")
    assert row.key_hash == fmt.keyed_hash(source.craftsmen[0].id_number, purpose="id_number")
    # The same person sent by another province (another source id) is recognised by the hash.
    header, records = parse(text)
    for r in records:
        r["source"] = "js-province"
        r["id"] = r["id"].replace(SOURCE, "js-province")
    header["instance"] = "js-province"
    again = import_text(world.province_admin, dump(header, records))
    assert again.unchanged_count == 2 and Craftsman.objects.count() == 2


def test_a_full_import_is_validated_and_encrypted_like_a_local_entry(world, settings, source):
    text = export(world.province_admin, pii="full", types="craftsman")
    header, records = parse(text)
    records[0]["data"]["id_number"] = "440305198001010000"  # wrong check digit
    wipe()
    settings.INSTANCE_ID = "national"
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "failed" and not Craftsman.objects.exists()
    error = batch.report["errors"][0]
    assert (
        error["line"] == 2 and error["field"] == "data.id_number" and "身份证" in error["message"]
    )


# -- bad input -----------------------------------------------------------------------------------


def test_every_bad_line_is_reported_with_its_field_and_nothing_is_written(world, settings, source):
    text = export(world.province_admin)
    header, records = parse(text)
    lines = [json.dumps(header, ensure_ascii=False)]
    good = [json.dumps(r, ensure_ascii=False) for r in records]
    bad_type = dict(records[0], type="robot", id=f"{SOURCE}:robot:1")
    no_name = json.loads(good[1])
    del no_name["data"]["name"]
    bad_code = json.loads(good[0])
    bad_code["data"]["industry_code"]["code"] = "9999"
    bad_level = json.loads(good[3])
    bad_level["data"]["level"] = "village"
    lines += [
        *good,
        "{not json",
        json.dumps(bad_type),
        json.dumps(no_name, ensure_ascii=False),
        json.dumps(bad_code, ensure_ascii=False),
        json.dumps(bad_level, ensure_ascii=False),
        "[1, 2]",
    ]
    wipe()
    settings.INSTANCE_ID = "national"
    batch = import_text(world.province_admin, "\n".join(lines))
    assert batch.status == "failed"
    assert not Enterprise.objects.exists() and not Craftsman.objects.exists()
    assert not ExchangeRecord.objects.exists()
    errors = {(e["line"], e["field"]) for e in batch.report["errors"]}
    n = len(good) + 1
    assert (n + 1, "") in errors  # not JSON
    assert (n + 2, "type") in errors  # unknown type
    assert (n + 3, "data.name") in errors  # missing field
    assert (n + 4, "data.industry_code") in errors  # unknown code
    assert (n + 5, "data.level") in errors  # enum
    assert (n + 6, "") in errors  # not an object
    messages = {e["line"]: e["message"] for e in batch.report["errors"]}
    assert "不是合法的 JSON" in messages[n + 1]
    assert "未知的记录类型“robot”" in messages[n + 2]
    assert messages[n + 3] == "缺少必填字段"
    assert "国民经济行业代码“9999”不存在" in messages[n + 4]
    assert batch.error_count == 6
    assert services.error_text(batch.report["errors"][0]).startswith(f"第{n + 1}行")


def test_wrong_format_version_is_refused_on_the_header_line(world, settings, source):
    header, records = parse(export(world.province_admin))
    header["version"] = "2.0"
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "failed"
    assert batch.report["errors"] == [
        {
            "line": 1,
            "field": "version",
            "message": "格式版本“2.0”不受支持（本实例支持 1.0, 1.1, 1.2）",
        }
    ]
    not_ours = import_text(world.province_admin, '{"format": "other"}\n')
    assert not_ours.report["errors"][0]["field"] == "format"
    assert import_text(world.province_admin, b"\xff\xfe").status == "failed"
    assert import_text(world.province_admin, "").status == "failed"


def test_an_error_while_applying_rolls_back_the_whole_file(world, settings, source):
    header, records = parse(export(world.province_admin))
    demand = next(r for r in records if r["type"] == "demand")
    demand["data"]["enterprise"] = {"id": "elsewhere:enterprise:999", "uscc": None}
    wipe()
    settings.INSTANCE_ID = "national"
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "failed" and batch.new_count > 0  # would have created the others
    assert not Enterprise.objects.exists() and not Craftsman.objects.exists()
    error = batch.report["errors"][0]
    assert error["field"] == "data.enterprise" and "不存在或不在您的数据范围内" in error["message"]


def test_bad_export_parameters_name_the_field(world, source):
    for kwargs, field in (
        ({"types": "robot"}, "types"),
        ({"since": "abc"}, "since"),
        ({"since": -1}, "since"),
        ({"pii": "plain"}, "pii"),
    ):
        with pytest.raises(BusinessError) as exc:
            services.export_start(actor=world.province_admin, **kwargs)
        assert exc.value.field == field


def test_hash_mode_without_a_configured_key_is_refused_clearly(world, settings, source):
    settings.JIANGQIAO_EXCHANGE_HASH_KEY = ""
    with pytest.raises(BusinessError) as exc:
        services.export_start(actor=world.province_admin, pii="hash")
    assert "JIANGQIAO_EXCHANGE_HASH_KEY" in exc.value.message
    assert parse(export(world.province_admin, pii="masked"))[1]


# -- permission and data scope -------------------------------------------------------------------


def test_export_contains_only_what_the_user_may_see(world, settings):
    settings.INSTANCE_ID = SOURCE
    mine = build(world.county_a1, world.province_admin)
    other = build(world.county_b1, world.province_admin)
    _, records = parse(export(world.county_operator))
    ids = {r["id"] for r in records}
    assert f"{SOURCE}:enterprise:{mine.enterprise.pk}" in ids
    assert f"{SOURCE}:enterprise:{other.enterprise.pk}" not in ids
    assert not any(str(other.demand.number) in json.dumps(r, ensure_ascii=False) for r in records)
    assert len(records) == 7  # one of each type, two craftsmen


def test_a_county_user_cannot_import_into_another_county(world, settings):
    settings.INSTANCE_ID = SOURCE
    build(world.county_b1, world.province_admin)  # 天河区 (广州)
    text = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = "national"
    batch = import_text(world.county_operator, text)  # 南山区, 仅本级
    assert batch.status == "failed" and not Enterprise.objects.exists()
    fields = {e["field"] for e in batch.report["errors"]}
    assert "data.org" in fields
    assert any("超出您的数据范围" in e["message"] for e in batch.report["errors"])
    # The city user above 天河 may.
    ok = import_text(world.city_admin_b, text)
    assert ok.status == "done" and ok.new_count == 7


def test_records_land_in_the_matching_unit_of_the_importers_tree(world, settings):
    settings.INSTANCE_ID = SOURCE
    data = build(world.grassroots_a1, world.province_admin)
    text = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = "national"
    import_text(world.province_admin, text)
    assert Enterprise.objects.get().org == world.grassroots_a1
    # A file from a unit this instance lacks lands in the nearest enclosing region's unit.
    header, records = parse(text)
    for r in records:
        if r["type"] == "enterprise":
            r["data"]["org"] = {
                "name": "某街道工会",
                "level": "grassroots",
                "region": {"scheme": "region", "code": "440307"},
            }
            r["data"]["uscc"] = data.enterprise.uscc
    wipe()
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "done", batch.report
    assert Enterprise.objects.get().org == world.city_a  # 440307 → 440300


def test_users_without_the_exchange_permissions_are_refused(world, source):
    role = role_without("noexch", content_type__app_label="exchange")
    user = make_user("no_exchange", world.city_a, role)
    with pytest.raises(PermissionDenied):
        services.export_start(actor=user)
    with pytest.raises(PermissionDenied):
        services.import_file(actor=user, content=b"")
