"""Rules of the talents services: encryption, duplicates, codes, locking, consents, teams."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jiangqiao.core.concurrency import STALE_MESSAGE
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.talents import services
from jiangqiao.talents.codes import code_key, code_keys_many, subtree_prefix
from jiangqiao.talents.filtersets import CraftsmanFilterSet
from jiangqiao.talents.models import Consent, Craftsman, CraftsmanCode, Honour, ServiceTeam

from .helpers import craftsman_data, id_number, make_craftsman, make_team, mobile, uscc

pytestmark = pytest.mark.django_db


def test_id_number_and_mobile_are_encrypted_at_rest(world):
    data = craftsman_data()
    c = services.craftsman_create(actor=world.city_admin_a, org=world.county_a1, data=data)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, mobile, id_number_index FROM talents_craftsman WHERE id = %s",
            [c.pk],
        )
        raw_id, raw_mobile, index = cursor.fetchone()
    assert raw_id.startswith("v1:") and data["id_number"] not in raw_id
    assert raw_mobile.startswith("v1:") and data["mobile"] not in raw_mobile
    assert data["id_number"] not in index and len(index) == 64
    assert Craftsman.objects.get(pk=c.pk).id_number == data["id_number"]


def test_change_log_never_holds_identifiers(world):
    data = craftsman_data()
    c = services.craftsman_create(actor=world.city_admin_a, org=world.county_a1, data=data)
    services.craftsman_update(
        actor=world.city_admin_a,
        craftsman=c,
        data={"id_number": id_number(), "mobile": mobile(), "bio": "新简介"},
        version=c.version,
    )
    rows = ChangeLog.objects.filter(content_type__model="craftsman", object_id=str(c.pk))
    assert rows.count() == 2
    dumped = json.dumps([[r.prechange_data, r.postchange_data] for r in rows], ensure_ascii=False)
    assert data["id_number"] not in dumped and data["mobile"] not in dumped
    assert "v1:" not in dumped and "id_number" not in dumped and "mobile" not in dumped
    assert "新简介" in dumped


def test_same_id_number_is_a_duplicate_with_the_existing_id(world):
    first = make_craftsman(world.county_a1, world.city_admin_a)
    with pytest.raises(services.DuplicateCraftsman) as exc:
        services.craftsman_create(
            actor=world.province_admin,
            org=world.county_b1,
            data=craftsman_data(id_number=first.id_number),
        )
    assert exc.value.existing_pk == first.pk
    assert exc.value.field == "id_number"
    assert Craftsman.objects.count() == 1


def test_same_name_employer_and_mobile_is_a_duplicate(world):
    first = make_craftsman(world.county_a1, world.city_admin_a)
    data = craftsman_data(
        name=f" {first.name} ", employer_name=first.employer_name, mobile=first.mobile
    )
    data.pop("id_number")
    with pytest.raises(services.DuplicateCraftsman) as exc:
        services.craftsman_create(actor=world.city_admin_a, org=world.county_a1, data=data)
    assert exc.value.existing_pk == first.pk
    # Same name and mobile at another employer is another person.
    data["employer_name"] = "另一家公司"
    services.craftsman_create(actor=world.city_admin_a, org=world.county_a1, data=data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "440305198001011234"),
        ("mobile", "12345"),
        ("employer_uscc", "91350100M000100Y4Z"),
        ("industries", ["9999"]),
        ("industries", "3411"),
        ("occupations", ["9-99-99-99"]),
        ("regions_served", ["999999"]),
        ("service_modes", ["teleport"]),
        ("expertise_tags", ["nonsense"]),
        ("expertise", "长" * 2001),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(world, field, value):
    with pytest.raises(BusinessError) as exc:
        services.craftsman_create(
            actor=world.city_admin_a, org=world.county_a1, data=craftsman_data(**{field: value})
        )
    assert exc.value.field == field
    assert Craftsman.objects.count() == 0
    assert CraftsmanCode.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("skill_level", "grandmaster"), ("skill_post", "emperor"), ("name", "名" * 51)],
)
def test_model_validation_names_the_field(world, field, value):
    with pytest.raises(ValidationError) as exc:
        services.craftsman_create(
            actor=world.city_admin_a, org=world.county_a1, data=craftsman_data(**{field: value})
        )
    assert field in exc.value.message_dict
    assert Craftsman.objects.count() == 0


def test_org_outside_scope_is_rolled_back(world):
    with pytest.raises(ScopeViolation):
        services.craftsman_create(
            actor=world.city_admin_a, org=world.county_b1, data=craftsman_data()
        )
    assert Craftsman.objects.count() == 0
    assert CraftsmanCode.objects.count() == 0


def test_valid_uscc_is_accepted(world):
    c = make_craftsman(world.county_a1, world.city_admin_a, employer_uscc=uscc())
    assert len(c.employer_uscc) == 18


def test_prefix_keys_follow_the_hierarchies():
    assert code_key("industry", "3411") == "C3411"
    assert subtree_prefix("industry", "C") == "C"
    assert subtree_prefix("industry", "34") == "C34"
    assert subtree_prefix("region", "440000") == "44"
    assert subtree_prefix("region", "440300") == "4403"
    assert code_key("occupation", "6-28-01-01") == "6280101"
    assert subtree_prefix("occupation", "6-28-00-00") == "628"


@pytest.mark.parametrize(
    ("scheme", "codes"),
    [
        ("industry", ["C", "34", "3411", "C3411", "0000", "", "34;1"]),
        ("occupation", ["6-28-01-01", "6-28-00-00", "9-99-99-99"]),
        ("region", ["440000", "440300", "440305", "999999"]),
        ("service_mode", ["onsite", "online", "nonexistent"]),
    ],
)
def test_bulk_code_keys_agree_with_one_by_one(scheme, codes):
    """The importer looks its codes up in bulk before writing; a key must not depend on that."""
    many = code_keys_many(scheme, codes)
    assert many == {code: code_key(scheme, code) for code in codes if code}
    assert any(key is not None for key in many.values())
    assert any(key is None for key in many.values())


def _filtered(world, **params):
    request = SimpleNamespace(user=world.province_admin)
    qs = Craftsman.objects.visible_to(world.province_admin)
    fs = CraftsmanFilterSet(params, queryset=qs, request=request)
    assert fs.is_valid(), fs.errors
    return set(fs.qs.values_list("name", flat=True))


def test_subtree_filters(world):
    a = make_craftsman(
        world.county_a1, world.city_admin_a, industries=["3411"], regions_served=["440305"]
    )
    b = make_craftsman(
        world.county_b1, world.city_admin_b, industries=["0111"], regions_served=["440106"]
    )
    assert _filtered(world, industry="C") == {a.name}
    assert _filtered(world, industry="34") == {a.name}
    assert _filtered(world, industry="C34") == {a.name}
    assert _filtered(world, industry="35") == set()
    assert _filtered(world, industry="A") == {b.name}
    assert _filtered(world, region="440000") == {a.name, b.name}
    assert _filtered(world, region="440300") == {a.name}
    assert _filtered(world, region="440100", industry="01") == {b.name}
    assert _filtered(world, occupation="6-28-00-00") == {a.name, b.name}
    assert _filtered(world, q="数控", org_id=str(world.city_a.pk)) == {a.name}
    assert _filtered(world, skill_level_min="senior_worker") == {a.name, b.name}
    assert _filtered(world, skill_level_min="senior_technician") == set()


def test_bad_filter_code_is_a_form_error(world):
    fs = CraftsmanFilterSet({"industry": "ZZ99"}, queryset=Craftsman.objects.all())
    assert not fs.is_valid()
    assert "industry" in fs.errors


def test_subtree_filter_is_one_query(world, django_assert_num_queries):
    make_craftsman(world.county_a1, world.city_admin_a)
    qs = Craftsman.objects.all()
    fs = CraftsmanFilterSet({"industry": "34", "region": "440300", "q": "数控"}, queryset=qs)
    assert fs.is_valid()
    result = fs.qs
    with django_assert_num_queries(1):
        assert len(list(result)) == 1


def test_stale_version_is_refused(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    services.craftsman_update(
        actor=world.city_admin_a, craftsman=c, data={"bio": "第一人"}, version=1
    )
    with pytest.raises(BusinessError) as exc:
        services.craftsman_update(
            actor=world.province_admin, craftsman=c, data={"bio": "第二人"}, version=1
        )
    assert exc.value.message == STALE_MESSAGE
    assert Craftsman.objects.get(pk=c.pk).bio == "第一人"


def test_status_change_needs_reason_and_is_logged(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    with pytest.raises(BusinessError) as exc:
        services.craftsman_set_status(actor=world.city_admin_a, craftsman=c, status="removed")
    assert exc.value.field == "status_reason"
    services.craftsman_set_status(
        actor=world.city_admin_a, craftsman=c, status="removed", reason="本人申请退出"
    )
    assert Craftsman.objects.get(pk=c.pk).status == "removed"
    assert OperationLog.objects.filter(target_id=str(c.pk), action__contains="已移出").exists()


def test_consent_withdraw_keeps_history(world):
    c = services.craftsman_create(
        actor=world.city_admin_a,
        org=world.county_a1,
        data=craftsman_data(),
        consents=["contact_sharing"],
    )
    assert services.active_consents(c) == {"contact_sharing"}
    services.consent_withdraw(
        actor=world.city_admin_a, craftsman=c, purpose="contact_sharing", reason="本人书面申请"
    )
    assert services.active_consents(c) == set()
    services.consent_grant(actor=world.city_admin_a, craftsman=c, purpose="contact_sharing")
    rows = Consent.objects.filter(craftsman=c, purpose="contact_sharing")
    assert rows.count() == 2
    assert rows.filter(withdrawn_at__isnull=False).count() == 1
    with pytest.raises(BusinessError):
        services.consent_withdraw(
            actor=world.city_admin_a, craftsman=c, purpose="profile_publication", reason="本人申请"
        )


def test_no_consent_unless_ticked(world):
    c = make_craftsman(world.county_a1, world.city_admin_a, consents=())
    assert services.active_consents(c) == set()


def test_honour_level_must_fit_the_type(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    with pytest.raises(BusinessError) as exc:
        services.honour_add(
            actor=world.city_admin_a,
            craftsman=c,
            data={"honour_type": "national_model_worker", "level": "city", "year": 2020},
        )
    assert exc.value.field == "level"
    honour = services.honour_add(
        actor=world.city_admin_a,
        craftsman=c,
        data={"honour_type": "national_model_worker", "level": "national", "year": 2020},
        verified=True,
    )
    assert honour.verified and honour.verified_by == world.city_admin_a
    assert Honour.objects.count() == 1


def test_service_items_feed_search_and_codes(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    services.service_item_add(
        actor=world.city_admin_a,
        craftsman=c,
        data={
            "title": "五轴加工中心精度恢复",
            "service_type": "tech_breakthrough",
            "industries": ["3421"],
            "modes": ["onsite"],
        },
    )
    assert _filtered(world, q="五轴") == {c.name}
    assert _filtered(world, service_type="tech_breakthrough") == {c.name}
    with pytest.raises(BusinessError) as exc:
        services.service_item_add(
            actor=world.city_admin_a,
            craftsman=c,
            data={"title": "x", "service_type": "tech_service", "industries": ["bad"]},
        )
    assert exc.value.field == "industries"


def test_team_level_must_match_the_unit(world):
    with pytest.raises(BusinessError) as exc:
        services.team_create(
            actor=world.city_admin_a,
            org=world.county_a1,
            data={"name": "错配服务队", "level": "city"},
        )
    assert exc.value.field == "level"
    assert not ServiceTeam.objects.exists()
    team = make_team(world.city_a, world.city_admin_a, industry_code="34")
    assert team.level == "city" and team.industry_key == "C34"


def test_lead_must_be_a_member(world):
    team = make_team(world.city_a, world.city_admin_a)
    a = make_craftsman(world.county_a1, world.city_admin_a)
    b = make_craftsman(world.county_a2, world.city_admin_a)
    with pytest.raises(BusinessError) as exc:
        services.team_set_lead(actor=world.city_admin_a, team=team, craftsman=a)
    assert exc.value.field == "lead"
    services.team_add_member(actor=world.city_admin_a, team=team, craftsman=a, role="lead")
    services.team_add_member(actor=world.city_admin_a, team=team, craftsman=b)
    team.refresh_from_db()
    assert team.lead == a
    with pytest.raises(BusinessError):
        services.team_remove_member(actor=world.city_admin_a, team=team, craftsman=a)
    services.team_set_lead(actor=world.city_admin_a, team=team, craftsman=b)
    services.team_remove_member(actor=world.city_admin_a, team=team, craftsman=a)
    team.refresh_from_db()
    assert team.lead == b
    assert list(team.memberships.values_list("role", flat=True)) == ["lead"]


def test_craftsman_may_be_in_several_teams_but_only_visible_ones(world):
    t1 = make_team(world.city_a, world.city_admin_a)
    t2 = make_team(world.county_a1, world.city_admin_a)
    a = make_craftsman(world.county_a1, world.city_admin_a)
    services.team_add_member(actor=world.city_admin_a, team=t1, craftsman=a)
    services.team_add_member(actor=world.city_admin_a, team=t2, craftsman=a)
    assert a.teams.count() == 2
    other = make_craftsman(world.county_b1, world.city_admin_b)
    with pytest.raises(BusinessError) as exc:
        services.team_add_member(actor=world.city_admin_a, team=t1, craftsman=other)
    assert exc.value.field == "craftsman"
