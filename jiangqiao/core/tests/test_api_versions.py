"""Every API update of a versioned model carries the version it read (issue 12, item 8.1).

For each router-registered viewset whose model has a ``version`` column: an update without the
version answers 400 naming ``version`` and writes nothing; a stale version (body or ``If-Match``)
answers 409 and writes nothing; the current version in ``If-Match`` alone is enough; when the body
and ``If-Match`` disagree the body wins.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from jiangqiao.academy import competitions as academy_competitions
from jiangqiao.academy import services as academy_services
from jiangqiao.academy.tests.helpers import (
    make_academy,
    make_class,
    make_competition,
    make_course,
    make_lecturer,
    make_order,
    next_no,
)
from jiangqiao.core.concurrency import STALE_MESSAGE, VersionedModel
from jiangqiao.core.testing.api import list_endpoints
from jiangqiao.dashboards import services as dashboards_services
from jiangqiao.demands.tests.factories import make_demand, make_enterprise
from jiangqiao.talents.tests.helpers import make_craftsman, make_team

pytestmark = pytest.mark.django_db

# model label → (a row in 南山区 made for the test, a text field the update changes)
ROWS: dict[str, tuple[Any, str]] = {
    "talents.craftsman": (lambda w: make_craftsman(w.county_a1, w.city_admin_a), "bio"),
    "talents.serviceteam": (lambda w: make_team(w.county_a1, w.city_admin_a), "description"),
    "demands.enterprise": (lambda w: make_enterprise(w.county_a1, w.city_admin_a), "remark"),
    "demands.demand": (
        lambda w: make_demand(make_enterprise(w.county_a1, w.city_admin_a), w.city_admin_a),
        "title",
    ),
    "academy.academy": (lambda w: make_academy(w.county_a1, w.city_admin_a), "facilities"),
    "academy.alliance": (
        lambda w: academy_services.alliance_create(
            actor=w.city_admin_a, org=w.county_a1, data={"name": f"联盟{next_no()}"}
        ),
        "description",
    ),
    "academy.lecturer": (lambda w: make_lecturer(w.county_a1, w.city_admin_a), "employer"),
    "academy.course": (lambda w: make_course(w.county_a1, w.city_admin_a), "assessment"),
    "academy.trainingclass": (lambda w: make_class(w.county_a1, w.city_admin_a), "title"),
    "dashboards.target": (
        lambda w: dashboards_services.target_split(
            actor=w.city_admin_a,
            parent=w.city_a,
            campaign="zhuqixing",
            year=2026,
            indicator="person_times",
            values={w.county_a1.pk: 10},
        ).changed[0],
        "note",
    ),
    "academy.trainingorder": (
        lambda w: make_order(
            w.city_admin_a,
            make_enterprise(w.county_a1, w.city_admin_a),
            make_course(w.county_a1, w.city_admin_a, publish=True),
        ),
        "description",
    ),
    "academy.competition": (lambda w: make_competition(w.county_a1, w.city_admin_a), "venue"),
    "academy.innovation": (
        lambda w: academy_competitions.innovation_create(
            actor=w.city_admin_a,
            org=w.county_a1,
            data={"kind": "studio", "title": f"攻关{next_no()}", "start_date": "2026-03-01"},
        ),
        "outcome",
    ),
}


def versioned_endpoints() -> list[Any]:
    return [
        e for e in list_endpoints() if e.model is not None and issubclass(e.model, VersionedModel)
    ]


def _label(model: Any) -> str:
    return model._meta.label_lower


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.city_admin_a)
    return client


def test_every_versioned_endpoint_is_covered():
    assert {_label(e.model) for e in versioned_endpoints()} == set(ROWS)


@pytest.mark.parametrize("endpoint", versioned_endpoints(), ids=lambda e: e.name)
def test_update_without_version_is_400_naming_the_field(world, api, endpoint):
    make, field = ROWS[_label(endpoint.model)]
    row = make(world)
    url = f"{endpoint.url}{row.pk}/"
    before = getattr(type(row).objects.get(pk=row.pk), field)
    for method in (api.patch, api.put):
        response = method(url, {field: "无版本的修改"}, format="json")
        assert response.status_code == 400, response.content
        message = " ".join(response.json()["version"])
        assert "version" in message and "If-Match" in message and "版本" in message
    fresh = type(row).objects.get(pk=row.pk)
    assert getattr(fresh, field) == before
    assert fresh.version == row.version


@pytest.mark.parametrize("endpoint", versioned_endpoints(), ids=lambda e: e.name)
def test_stale_version_is_409_in_the_body_and_in_if_match(world, api, endpoint):
    make, field = ROWS[_label(endpoint.model)]
    row = make(world)
    url = f"{endpoint.url}{row.pk}/"
    first = api.patch(url, {field: "第一次", "version": row.version}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["version"] == row.version + 1
    stale_body = api.patch(url, {field: "第二次", "version": row.version}, format="json")
    assert stale_body.status_code == 409, stale_body.content
    assert stale_body.json()["version"] == [STALE_MESSAGE]
    stale_header = api.patch(
        url, {field: "第三次"}, format="json", headers={"If-Match": f'"{row.version}"'}
    )
    assert stale_header.status_code == 409, stale_header.content
    assert getattr(type(row).objects.get(pk=row.pk), field) == "第一次"


@pytest.mark.parametrize("endpoint", versioned_endpoints(), ids=lambda e: e.name)
def test_if_match_alone_carries_the_version(world, api, endpoint):
    make, field = ROWS[_label(endpoint.model)]
    row = make(world)
    url = f"{endpoint.url}{row.pk}/"
    for if_match in (f'"{row.version}"', f"{row.version + 1}", f' "{row.version + 2}" '):
        response = api.patch(url, {field: if_match}, format="json", headers={"If-Match": if_match})
        assert response.status_code == 200, (if_match, response.content)
    fresh = type(row).objects.get(pk=row.pk)
    assert fresh.version == row.version + 3
    assert getattr(fresh, field) == f' "{row.version + 2}" '.strip()
    # …and it is checked: the version read before these three updates is stale now
    late = api.patch(url, {field: "迟到"}, format="json", headers={"If-Match": str(row.version)})
    assert late.status_code == 409, late.content


@pytest.mark.parametrize("endpoint", versioned_endpoints(), ids=lambda e: e.name)
def test_bad_if_match_is_400_and_the_body_wins_over_if_match(world, api, endpoint):
    make, field = ROWS[_label(endpoint.model)]
    row = make(world)
    url = f"{endpoint.url}{row.pk}/"
    for bad in ("*", "abc", '"1", "2"', "-1", 'W/"1"', "99999999999"):
        response = api.patch(url, {field: "x"}, format="json", headers={"If-Match": bad})
        assert response.status_code == 400, (bad, response.content)
        assert "If-Match" in " ".join(response.json()["version"])
    # the body's current version wins over a stale If-Match
    ok = api.patch(
        url,
        {field: "以请求体为准", "version": row.version},
        format="json",
        headers={"If-Match": f'"{row.version + 7}"'},
    )
    assert ok.status_code == 200, ok.content
    assert getattr(type(row).objects.get(pk=row.pk), field) == "以请求体为准"


def test_schema_documents_if_match_on_versioned_updates():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for endpoint in versioned_endpoints():
        path = endpoint.url + "{id}/"
        for method in ("put", "patch"):
            params = schema["paths"][path][method].get("parameters", [])
            names = {(p["in"], p["name"]) for p in params}
            assert ("header", "If-Match") in names, (path, method)
            assert "409" in schema["paths"][path][method]["responses"], (path, method)
