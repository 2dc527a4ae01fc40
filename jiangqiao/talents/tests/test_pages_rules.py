"""Pages and API: masking and logged reveal, escaping, duplicates, locking, own profile."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts.models import Role
from jiangqiao.core.concurrency import STALE_MESSAGE
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user
from jiangqiao.talents import services
from jiangqiao.talents.models import Craftsman

from .helpers import craftsman_data, id_number, make_craftsman, mobile

pytestmark = pytest.mark.django_db


def _staff(world, *perms_excluded: str):
    return world.city_admin_a


def _reveals(craftsman: Craftsman) -> int:
    return OperationLog.objects.filter(
        business_type="view_sensitive", target_id=str(craftsman.pk)
    ).count()


def test_detail_and_list_are_masked_and_reveal_is_a_logged_post(client, world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    client.force_login(world.city_admin_a)
    detail = client.get(reverse("talents:craftsman_detail", args=[c.pk])).content.decode()
    assert c.id_number not in detail and c.mobile not in detail
    assert c.id_number[:4] + "**********" + c.id_number[-4:] in detail
    assert "查看明文" in detail
    listing = client.get(reverse("talents:craftsman_list")).content.decode()
    assert c.id_number not in listing and c.mobile not in listing
    assert _reveals(c) == 0
    url = reverse("talents:craftsman_reveal", args=[c.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"purpose": "核对身份"})
    assert response.status_code == 200
    body = response.content.decode()
    assert c.id_number in body and c.mobile in body
    assert response["Cache-Control"] == "no-store"
    assert _reveals(c) == 1
    log = OperationLog.objects.get(business_type="view_sensitive", target_id=str(c.pk))
    assert log.user == world.city_admin_a and log.extra["purpose"] == "核对身份"


def test_reveal_without_permission_is_403_and_not_logged(client, world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    task_force = Role.objects.get(code="provincial_task_force")
    user = make_user("taskforce", world.province, task_force)
    client.force_login(user)
    detail = client.get(reverse("talents:craftsman_detail", args=[c.pk]))
    assert detail.status_code == 200
    assert "查看明文" not in detail.content.decode()
    response = client.post(reverse("talents:craftsman_reveal", args=[c.pk]))
    assert response.status_code == 403
    assert _reveals(c) == 0


def test_reveal_out_of_scope_is_404(client, world):
    c = make_craftsman(world.county_b1, world.city_admin_b)
    client.force_login(world.city_admin_a)
    assert client.post(reverse("talents:craftsman_reveal", args=[c.pk])).status_code == 404


def test_html_is_escaped_on_the_detail_page(client, world):
    script = "<script>alert(1)</script>"
    c = make_craftsman(
        world.county_a1,
        world.city_admin_a,
        name=f"{script}张三",
        bio=f"<b>粗体</b>{script}",
        employer_name="<img src=x onerror=alert(1)>厂",
    )
    services.service_item_add(
        actor=world.city_admin_a,
        craftsman=c,
        data={"title": script, "service_type": "tech_service"},
    )
    client.force_login(world.city_admin_a)
    body = client.get(reverse("talents:craftsman_detail", args=[c.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    listing = client.get(reverse("talents:craftsman_list")).content.decode()
    assert "<script>alert(1)</script>" not in listing


def _form(c: Craftsman, **extra):
    data = {
        "org": c.org_id,
        "name": c.name,
        "gender": c.gender,
        "industries": c.industries,
        "max_open_services": 3,
        "max_new_per_month": 2,
        "version": c.version,
    }
    data.update(extra)
    return data


def test_edit_page_keeps_identifiers_when_blank_and_refuses_stale_version(client, world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    client.force_login(world.city_admin_a)
    url = reverse("talents:craftsman_edit", args=[c.pk])
    page = client.get(url).content.decode()
    assert c.id_number not in page and c.mobile not in page
    first = client.post(url, _form(c, bio="第一次"))
    assert first.status_code == 302
    fresh = Craftsman.objects.get(pk=c.pk)
    assert fresh.id_number == c.id_number and fresh.mobile == c.mobile
    second = client.post(url, _form(c, bio="第二次"))  # the version read before the first save
    assert second.status_code == 400
    assert STALE_MESSAGE in second.content.decode()
    assert Craftsman.objects.get(pk=c.pk).bio == "第一次"


def test_create_page_bad_input_names_fields_and_saves_nothing(client, world):
    client.force_login(world.city_admin_a)
    data = {
        "org": world.county_a1.pk,
        "name": "坏数据",
        "gender": "male",
        "id_number": "440305198001011234",
        "employer_uscc": "91350100M000100Y4Z",
        "industries": ["9999"],
        "regions_served": ["999999"],
        "skill_level": "grandmaster",
        "expertise": "x" * 2001,
        "max_open_services": 3,
        "max_new_per_month": 2,
    }
    response = client.post(reverse("talents:craftsman_create"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    expected = {"id_number", "employer_uscc", "industries", "regions_served", "skill_level"}
    assert expected | {"expertise"} <= set(errors)
    assert not Craftsman.objects.exists()
    data.update(industries=["3411"], regions_served=["440305"], skill_level="", expertise="")
    response = client.post(reverse("talents:craftsman_create"), data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"id_number", "employer_uscc"}
    assert not Craftsman.objects.exists()


def test_create_page_duplicate_offers_the_existing_record(client, world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    client.force_login(world.city_admin_a)
    data = {
        "org": world.county_a2.pk,
        "name": "另一个名字",
        "gender": "male",
        "id_number": c.id_number,
        "max_open_services": 3,
        "max_new_per_month": 2,
    }
    response = client.post(reverse("talents:craftsman_create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert c.get_absolute_url() in body and "打开已有档案" in body
    assert Craftsman.objects.count() == 1


def test_consents_are_unticked_by_default(client, world):
    client.force_login(world.city_admin_a)
    page = client.get(reverse("talents:craftsman_create")).content.decode()
    assert 'name="consent_profile_publication"' in page
    assert 'name="consent_profile_publication" class="form-check-input" id' in page or (
        "checked" not in page.split('name="consent_profile_publication"')[1].split(">")[0]
    )


@pytest.fixture
def own(world):
    role = Role.objects.get(code="craftsman")
    user = make_user("lmgj", world.grassroots_a1, role)
    mine = services.craftsman_create(
        actor=world.city_admin_a, org=world.county_a1, data=craftsman_data(), user=user
    )
    other = make_craftsman(world.county_a1, world.city_admin_a)
    return user, mine, other


def test_craftsman_sees_and_edits_only_their_own_profile(client, world, own):
    user, mine, other = own
    client.force_login(user)
    page = client.get(reverse("talents:my_profile"))
    assert page.status_code == 200
    assert mine.name in page.content.decode()
    assert client.get(reverse("talents:craftsman_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("talents:craftsman_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("talents:craftsman_edit", args=[other.pk])).status_code == 404
    assert client.get(reverse("talents:craftsman_edit", args=[mine.pk])).status_code == 302
    listing = client.get(reverse("talents:craftsman_list")).content.decode()
    assert mine.name in listing and other.name not in listing
    assert client.get(reverse("talents:craftsman_status", args=[mine.pk])).status_code == 403
    response = client.post(
        reverse("talents:my_profile"),
        {
            "version": mine.version,
            "bio": "本人修改的简介",
            "service_modes": ["online"],
            "regions_served": ["440300"],
            "max_open_services": 1,
            "max_new_per_month": 1,
            "consent_contact_sharing": "on",
            "name": "篡改姓名",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    fresh = Craftsman.objects.get(pk=mine.pk)
    assert fresh.bio == "本人修改的简介" and fresh.name == mine.name
    assert fresh.mobile == mine.mobile  # blank keeps the old number
    assert services.active_consents(fresh) == {"contact_sharing"}
    # Service items of their own profile.
    add = client.post(
        reverse("talents:serviceitem_create", args=[mine.pk]) + "?next=/talents/me/",
        {"title": "数控维修培训", "service_type": "skill_training", "sort": 0, "is_active": "on"},
    )
    assert add.status_code == 302 and add["Location"] == "/talents/me/"
    assert mine.service_items.count() == 1
    assert (
        client.post(
            reverse("talents:serviceitem_create", args=[other.pk]),
            {"title": "x", "service_type": "skill_training", "sort": 0},
        ).status_code
        == 404
    )


def test_my_profile_without_a_linked_record(client, world):
    user = make_user("lmgj2", world.grassroots_a1, Role.objects.get(code="craftsman"))
    client.force_login(user)
    page = client.get(reverse("talents:my_profile"))
    assert page.status_code == 200 and "尚未关联" in page.content.decode()
    assert client.post(reverse("talents:my_profile"), {}).status_code == 404


# ------------------------------------------------------------------------------------------------
# API
# ------------------------------------------------------------------------------------------------

API = "/api/v1/talents/craftsmen/"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_masks_and_reveals_with_a_log(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    client = _api(world.city_admin_a)
    row = client.get(f"{API}{c.pk}/").json()
    assert "id_number" not in row and "mobile" not in row
    assert row["id_number_masked"].startswith(c.id_number[:4]) and "*" in row["id_number_masked"]
    listing = client.get(API).content.decode()
    assert c.id_number not in listing and c.mobile not in listing
    response = client.post(f"{API}{c.pk}/reveal/", {"purpose": "核对"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id_number": c.id_number, "mobile": c.mobile}
    assert _reveals(c) == 1
    task_force = make_user("tf_api", world.province, Role.objects.get(code="provincial_task_force"))
    assert _api(task_force).post(f"{API}{c.pk}/reveal/").status_code == 403
    assert _reveals(c) == 1


def test_api_duplicate_is_409_with_the_existing_id(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    response = _api(world.city_admin_a).post(
        API,
        {"org": world.county_a2.pk, "name": "重复", "id_number": c.id_number},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == c.pk
    assert Craftsman.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "440305198001011234"),
        ("employer_uscc", "91350100M000100Y4Z"),
        ("industries", ["Z999"]),
        ("regions_served", ["999999"]),
        ("skill_level", "grandmaster"),
        ("expertise", "x" * 2001),
        ("industries", "3411"),
        ("max_open_services", -1),
    ],
)
def test_api_bad_input_is_400_naming_the_field(world, field, value):
    n_before = Craftsman.objects.count()
    payload = {"org": world.county_a1.pk, "name": "坏数据", "id_number": id_number()}
    payload[field] = value
    response = _api(world.city_admin_a).post(API, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Craftsman.objects.count() == n_before


def test_api_update_with_stale_version_is_409(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    client = _api(world.city_admin_a)
    ok = client.patch(f"{API}{c.pk}/", {"bio": "一", "version": 1}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == 2
    stale = client.patch(f"{API}{c.pk}/", {"bio": "二", "version": 1}, format="json")
    assert stale.status_code == 409
    assert "version" in stale.json()


def test_api_craftsman_edits_only_allowed_fields_of_own_record(world, own):
    user, mine, other = own
    client = _api(user)
    response = client.patch(
        f"{API}{mine.pk}/",
        {"bio": "本人", "name": "改名", "mobile": mobile(), "version": mine.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    fresh = Craftsman.objects.get(pk=mine.pk)
    assert fresh.bio == "本人" and fresh.name == mine.name and fresh.mobile != mine.mobile
    response = client.patch(f"{API}{other.pk}/", {"bio": "x", "version": 1}, format="json")
    assert response.status_code == 404
    assert client.post(f"{API}{mine.pk}/status/", {"status": "paused"}).status_code == 400


def test_api_team_members_and_lead(world):
    team_url = "/api/v1/talents/teams/"
    client = _api(world.city_admin_a)
    team = client.post(
        team_url,
        {"org": world.city_a.pk, "name": "深圳市工匠服务队", "level": "city"},
        format="json",
    ).json()
    a = make_craftsman(world.county_a1, world.city_admin_a)
    r = client.post(f"{team_url}{team['id']}/set-lead/", {"craftsman": a.pk}, format="json")
    assert r.status_code == 400 and "lead" in r.json()
    r = client.post(
        f"{team_url}{team['id']}/members/add/", {"craftsman": a.pk, "role": "lead"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["lead"] == a.pk and r.json()["members"][0]["role"]["value"] == "lead"
    bad = client.post(
        team_url, {"org": world.county_a1.pk, "name": "错层级", "level": "province"}, format="json"
    )
    assert bad.status_code == 400 and "level" in bad.json()
