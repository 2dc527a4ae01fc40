"""Format 1.2 (issue 17 point 9): enterprise contacts, consents and a demand's preferred
craftsmen travel, with the PII rules of the other records; older mappings stay valid."""

from __future__ import annotations

import pytest

from jiangqiao.demands import services as demand_services
from jiangqiao.demands.models import Demand, Enterprise, EnterpriseContact
from jiangqiao.exchange import format as fmt
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import Consent, Craftsman
from jiangqiao.talents.signals import consent_withdrawn
from jiangqiao.talents.tests.helpers import make_craftsman

from .helpers import build, dump, export, import_text, parse, wipe

pytestmark = pytest.mark.django_db

SOURCE = "gd-province"
TARGET = "national"
MOBILE = "13912345678"


@pytest.fixture
def source(world, settings):
    settings.INSTANCE_ID = SOURCE
    data = build(world.county_a1, world.province_admin)
    demand_services.contact_add(
        actor=world.province_admin,
        enterprise=data.enterprise,
        name="张经理",
        title="设备部长",
        mobile=MOBILE,
        is_primary=True,
    )
    first = data.craftsmen[0]
    talent_services.consent_grant(
        actor=world.province_admin, craftsman=first, purpose="contact_sharing"
    )
    talent_services.consent_grant(
        actor=world.province_admin, craftsman=first, purpose="profile_publication"
    )
    talent_services.consent_withdraw(
        actor=world.province_admin,
        craftsman=first,
        purpose="profile_publication",
        reason="本人书面申请",
    )
    return data


def _by_type(records, record_type):
    return [r for r in records if r["type"] == record_type]


def _with_preferred(world, data):
    """A draft demand of the same enterprise preferring the two craftsmen (second first)."""
    first, second = data.craftsmen
    return demand_services.demand_create(
        actor=world.province_admin,
        enterprise=data.enterprise,
        data={
            "kind": "tech_problem",
            "title": "注塑机温控漂移",
            "description": "注塑机温控漂移，需要诊断",
            "current_state": "间歇停机",
            "delivery_mode": "onsite",
            "preferred_craftsmen": [second.pk, first.pk],
        },
    )


@pytest.mark.parametrize(
    ("pii", "mobile", "hashed"),
    [("full", MOBILE, True), ("masked", "139****5678", False), ("hash", None, True)],
)
def test_contacts_leave_in_the_chosen_pii_form(world, source, pii, mobile, hashed):
    _, records = parse(export(world.province_admin, pii=pii))
    (contact,) = _by_type(records, "enterprise")[0]["data"]["contacts"]
    assert contact["name"] == "张经理" and contact["is_primary"] is True
    assert contact["mobile"] == mobile
    assert bool(contact["mobile_hash"]) is hashed
    if hashed:
        assert contact["mobile_hash"] == fmt.keyed_hash(MOBILE, purpose="mobile")


def test_contacts_consents_and_preferred_craftsmen_round_trip(world, settings, source):
    preferring = _with_preferred(world, source)
    text = export(world.province_admin, pii="full")
    header, records = parse(text)
    assert header["version"] == "1.2"
    consents = _by_type(records, "craftsman")[0]["data"]["consents"]
    assert {(c["purpose"], c["withdrawn_at"] is None) for c in consents} == {
        ("contact_sharing", True),
        ("profile_publication", False),
    }
    wipe()
    settings.INSTANCE_ID = TARGET
    batch = import_text(world.province_admin, text)
    assert batch.status == "done", batch.report
    ent = Enterprise.objects.get()
    contact = EnterpriseContact.objects.get(enterprise=ent)
    assert (contact.name, contact.title, contact.mobile, contact.is_primary) == (
        "张经理",
        "设备部长",
        MOBILE,
        True,
    )
    person = Craftsman.objects.get(name="王师傅")
    assert set(talent_services.active_consents(person)) == {"contact_sharing"}
    withdrawn = Consent.objects.get(craftsman=person, purpose="profile_publication")
    assert withdrawn.withdrawn_at is not None and withdrawn.version == "2026.1"
    demand = Demand.objects.get(title=preferring.title)
    names = [Craftsman.objects.get(pk=pk).name for pk in demand.preferred_craftsmen]
    assert names == ["李师傅", "王师傅"]
    # Importing the same file again changes nothing (the new keys are compared too).
    again = import_text(world.province_admin, text)
    assert again.status == "done" and again.new_count == 0 and again.updated_count == 0
    assert again.conflict_count == 0
    assert EnterpriseContact.objects.count() == 1 and Consent.objects.count() == 2


def test_a_hashed_file_brings_the_contact_without_its_number(world, settings, source):
    text = export(world.province_admin, pii="hash")
    wipe()
    settings.INSTANCE_ID = TARGET
    assert import_text(world.province_admin, text).status == "done"
    contact = EnterpriseContact.objects.get()
    assert contact.name == "张经理" and contact.mobile == "" and contact.mobile_index == ""


def test_a_withdrawal_at_the_source_withdraws_on_the_receiver(world, settings, source):
    text = export(world.province_admin)
    cursor = parse(text)[0]["cursor_to"]
    settings.INSTANCE_ID = TARGET
    wipe()
    assert import_text(world.province_admin, text).status == "done"
    person = Craftsman.objects.get(name="王师傅")
    assert "contact_sharing" in talent_services.active_consents(person)
    # The source withdraws; its next changes file carries the withdrawal.
    line = next(
        r for r in parse(text)[1] if r["type"] == "craftsman" and r["data"]["name"] == "王师傅"
    )
    data = dict(line["data"])
    data["consents"] = [
        {**c, "withdrawn_at": "2099-01-01T00:00:00+00:00"} if c["withdrawn_at"] is None else c
        for c in data["consents"]
    ]
    newer = {**line, "updated_at": "2099-01-01T00:00:00+00:00", "data": data}
    header = {**parse(text)[0], "kind": "changes", "cursor_from": cursor}
    heard: list[tuple[int, str]] = []

    def listener(sender, *, craftsman, purpose, **kwargs):
        heard.append((craftsman.pk, purpose))

    consent_withdrawn.connect(listener, dispatch_uid="test_exchange_withdrawal")
    try:
        batch = import_text(world.province_admin, dump(header, [newer]))
    finally:
        consent_withdrawn.disconnect(dispatch_uid="test_exchange_withdrawal")
    assert batch.status == "done" and batch.updated_count == 1, batch.report
    assert talent_services.active_consents(person) == set()
    # The owners of invitations and proposals hear of it as of a withdrawal made here.
    assert heard == [(person.pk, "contact_sharing")]  # profile_publication was withdrawn at source


def test_a_preferred_craftsman_outside_the_exporters_scope_is_not_named(world, settings, source):
    other_unit = make_craftsman(world.county_b1, world.province_admin, name="赵师傅")
    demand = _with_preferred(world, source)
    demand = demand_services.demand_update(
        actor=world.province_admin,
        demand=demand,
        data={"preferred_craftsmen": [other_unit.pk, source.craftsmen[0].pk]},
    )
    _, records = parse(export(world.city_admin_a))
    line = next(r for r in _by_type(records, "demand") if r["data"]["title"] == demand.title)
    refs = line["data"]["preferred_craftsmen"]
    assert [r["id"] for r in refs] == [f"{SOURCE}:craftsman:{source.craftsmen[0].pk}"]
    assert str(other_unit.pk) not in [r["id"].rsplit(":", 1)[1] for r in refs]


def test_a_1_1_record_leaves_contacts_consents_and_preferences_alone(world, settings, source):
    """A source still on format 1.1 (no new keys): its updates neither clear the contacts and
    consents nor report the local ones as a conflict."""
    text = export(world.province_admin, pii="full")
    wipe()
    settings.INSTANCE_ID = TARGET
    assert import_text(world.province_admin, text).status == "done"
    header, records = parse(text)
    added = fmt.ADDED_KEYS["1.2"]
    old = [
        {
            **r,
            "updated_at": "2099-01-01T00:00:00+00:00",
            "data": {k: v for k, v in r["data"].items() if k not in added.get(r["type"], ())}
            | ({"remark": "1.1 来源的新备注"} if r["type"] == "enterprise" else {}),
        }
        for r in records
        if r["type"] in ("enterprise", "craftsman")
    ]
    batch = import_text(world.province_admin, dump({**header, "version": "1.1"}, old))
    assert batch.status == "done" and batch.conflict_count == 0, batch.report
    assert Enterprise.objects.get().remark == "1.1 来源的新备注"
    assert EnterpriseContact.objects.count() == 1 and Consent.objects.count() == 2


def test_bad_consents_are_refused_with_the_item_named(world, settings, source):
    text = export(world.province_admin)
    wipe()
    settings.INSTANCE_ID = TARGET
    header, records = parse(text)
    for r in records:
        if r["type"] == "craftsman" and r["data"]["consents"]:
            r["data"]["consents"][0]["purpose"] = "sell_data"
    batch = import_text(world.province_admin, dump(header, records))
    assert batch.status == "failed"
    (error,) = [e for e in batch.report["errors"] if "授权" in e["message"]]
    assert error["message"].startswith("个人信息授权第") and "用途" in error["message"]
    assert not Craftsman.objects.exists() and not Consent.objects.exists()
