"""API list filters never silently return the unfiltered list (issue 12, item 8.4).

Across every router-registered list endpoint, as 深圳's city administrator:

* a unit outside his scope in the endpoint's organisation filter → 200 and an empty list (as the
  pages show; a unit he may not see looks exactly like one that does not exist);
* a malformed value in any filter → 400 with a Chinese message naming the filter;
* a parameter the endpoint does not know (``?org=`` where the filter is ``org_id``) → 400 naming
  the parameter and listing the ones it knows — no longer ignored.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from jiangqiao.core.filters import OrgSubtreeFilter
from jiangqiao.core.testing.api import list_endpoints
from jiangqiao.core.testing.messages import english_fragments
from jiangqiao.demands.tests.factories import make_demand, make_enterprise
from jiangqiao.talents.tests.helpers import make_craftsman, make_team

pytestmark = pytest.mark.django_db

# Reference data is public within the platform and validates its own parameters.
NOT_SCOPED = {
    "api:taxonomy-api:scheme-list",
    "api:taxonomy-api:term-list",
    "api:taxonomy-api:search-list",
}
# Endpoints whose in-scope list is not empty in the test's data: the empty answer to an
# out-of-scope unit proves the filter was applied, not ignored.
POPULATED = {
    "api:orgs:organization-list",
    "api:accounts:user-list",
    "api:core:changelog-list",
    "api:core:operationlog-list",
    "api:talents:craftsman-list",
    "api:talents:serviceteam-list",
    "api:demands:enterprise-list",
    "api:demands:demand-list",
}


def endpoints() -> list[Any]:
    return [e for e in list_endpoints() if e.name not in NOT_SCOPED]


def org_filter(endpoint: Any) -> str | None:
    filterset = getattr(endpoint.viewset, "filterset_class", None)
    if filterset is None:
        return None
    names = [n for n, f in filterset.base_filters.items() if isinstance(f, OrgSubtreeFilter)]
    return names[0] if names else None


@pytest.fixture
def populated(world):
    """Rows in 深圳 (in scope) and in 广州 (outside it); their change and operation logs."""
    for unit, owner in (
        (world.county_a1, world.city_admin_a),
        (world.county_b1, world.city_admin_b),
    ):
        make_demand(make_enterprise(unit, owner), owner)
        make_craftsman(unit, owner)
        make_team(unit, owner)
    return world


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.city_admin_a)
    return client


def test_the_endpoints_are_found():
    names = {e.name for e in endpoints()}
    assert names >= POPULATED
    assert len([e for e in endpoints() if org_filter(e)]) >= 12


@pytest.mark.parametrize(
    "endpoint", [e for e in endpoints() if org_filter(e)], ids=lambda e: e.name
)
def test_out_of_scope_unit_gives_an_empty_list(populated, api, endpoint):
    name = org_filter(endpoint)
    unfiltered = api.get(endpoint.url)
    assert unfiltered.status_code == 200, unfiltered.content
    if endpoint.name in POPULATED:
        assert unfiltered.json()["count"] > 0
    for value in (populated.city_b.pk, populated.county_b1.pk, 2**31 - 1):
        response = api.get(endpoint.url, {name: value})
        assert response.status_code == 200, (name, value, response.content)
        assert response.json()["count"] == 0, (name, value)
        assert response.json()["results"] == []
    # …while a unit in scope still filters normally
    inside = api.get(endpoint.url, {name: populated.city_a.pk})
    assert inside.status_code == 200, inside.content


@pytest.mark.parametrize(
    "endpoint", [e for e in endpoints() if org_filter(e)], ids=lambda e: e.name
)
def test_malformed_unit_is_400_naming_the_filter(populated, api, endpoint):
    name = org_filter(endpoint)
    label = str(endpoint.viewset.filterset_class.base_filters[name].label)
    for value in ("garbage", "1.5", "-3", "99999999999999999999999"):
        response = api.get(endpoint.url, {name: value})
        assert response.status_code == 400, (name, value, response.content)
        message = " ".join(response.json()[name])
        assert label in message and name in message, message
        assert not english_fragments(message, min_words=3), message


@pytest.mark.parametrize("endpoint", endpoints(), ids=lambda e: e.name)
def test_unknown_parameter_is_400_naming_it(populated, api, endpoint):
    response = api.get(endpoint.url, {"org": populated.city_b.pk})
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["org"])
    assert "org" in message and "不支持" in message, message
    # the generic parameters stay accepted
    ok = api.get(endpoint.url, {"page": 1, "page_size": 5})
    assert ok.status_code == 200, ok.content


@pytest.mark.parametrize(
    "endpoint",
    [e for e in endpoints() if getattr(e.viewset, "filterset_class", None)],
    ids=lambda e: e.name,
)
def test_every_filter_answers_garbage_with_200_or_a_400_naming_it(populated, api, endpoint):
    for name, flt in endpoint.viewset.filterset_class.base_filters.items():
        response = api.get(endpoint.url, {name: "垃圾-garbage-值"})
        assert response.status_code in (200, 400), (name, response.content)
        if response.status_code == 400:
            message = " ".join(response.json()[name])
            assert str(flt.label) in message, (name, message)
            assert not english_fragments(message, min_words=3), message


def test_out_of_scope_enterprise_gives_an_empty_list(populated, api):
    other = make_enterprise(populated.county_b1, populated.city_admin_b)
    make_demand(other, populated.city_admin_b)
    response = api.get("/api/v1/demands/demands/", {"enterprise_id": other.pk})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_export_follows_the_same_rules(populated, api):
    url = "/api/v1/demands/demands/export/"
    purpose = "数据核对"
    bad = {"org": populated.city_b.pk, "file_format": "csv", "purpose": purpose}
    assert api.get(url, bad).status_code == 400
    response = api.get(
        url, {"org_id": populated.city_b.pk, "file_format": "csv", "purpose": purpose}
    )
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2  # the watermark and the header only
