"""Date rules of craftsman profiles (issue 14, point 5): 发证日期 and honour years not in the
future, 暂停服务至 in the future — on the API, the page and the services, messages naming the field.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiangqiao.talents import services
from jiangqiao.talents.models import Craftsman

from .helpers import craftsman_data, make_craftsman

pytestmark = pytest.mark.django_db
API = "/api/v1/talents/craftsmen/"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_certificate_date_not_in_the_future_api_and_service(world):
    client = _api(world.city_admin_a)
    body = craftsman_data(skill_cert_date="2030-01-01") | {"org": world.county_a1.pk}
    response = client.post(API, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["skill_cert_date"][0].startswith("发证日期不能晚于今天")
    with pytest.raises(ValidationError, match="发证日期不能晚于今天"):
        make_craftsman(world.county_a1, world.city_admin_a, skill_cert_date=dt.date(2030, 1, 1))
    today = timezone.localdate()
    assert make_craftsman(world.county_a1, world.city_admin_a, skill_cert_date=today).pk


def test_pause_until_in_the_future_api_and_page(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    client = _api(world.city_admin_a)
    for day in ("2019-01-01", timezone.localdate().isoformat()):
        response = client.post(
            f"{API}{c.pk}/status/",
            {"status": "paused", "status_reason": "出差", "pause_until": day},
            format="json",
        )
        assert response.status_code == 400, response.content
        assert "暂停服务至应晚于今天" in response.content.decode()
    later = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = client.post(
        f"{API}{c.pk}/status/",
        {"status": "paused", "status_reason": "出差", "pause_until": later},
        format="json",
    )
    assert response.status_code == 200, response.content
    # The pause ended long ago: the profile can still be edited without touching the date.
    Craftsman.objects.filter(pk=c.pk).update(pause_until=dt.date(2019, 1, 1))
    c.refresh_from_db()
    services.craftsman_update(actor=world.city_admin_a, craftsman=c, data={"bio": "补充简介"})


def test_pause_until_on_the_status_page(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    page = reverse("talents:craftsman_status", args=[c.pk])
    client = APIClient()
    client.force_login(world.city_admin_a)
    client.post(
        page,
        {"status": "paused", "status_reason": "出差", "pause_until": "2019-01-01"},
        follow=True,
    )
    c.refresh_from_db()
    assert c.status != "paused"


def test_honour_year_not_in_the_future(world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    next_year = timezone.localdate().year + 1
    data = {"honour_type": "national_model_worker", "level": "national", "year": next_year}
    with pytest.raises(ValidationError, match=f"获得年份不能晚于今年（{next_year - 1}）"):
        services.honour_add(actor=world.city_admin_a, craftsman=c, data=data)
    response = _api(world.city_admin_a).post(f"{API}{c.pk}/honours/", data, format="json")
    assert response.status_code == 400, response.content
    assert "获得年份不能晚于今年" in response.json()["year"][0]
