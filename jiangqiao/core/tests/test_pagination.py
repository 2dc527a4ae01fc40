from __future__ import annotations

import pytest
from django.urls import reverse

from jiangqiao.core.pagination import CappedCountPaginator
from jiangqiao.orgs.models import Organization

pytestmark = pytest.mark.django_db


def test_count_is_exact_below_the_cap_and_stops_above_it(world, monkeypatch):
    qs = Organization.objects.order_by("pk")
    assert CappedCountPaginator(qs, 2).count == 7
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    paginator = CappedCountPaginator(qs, 2)
    assert paginator.count == 4 and paginator.capped
    assert [o.pk for o in paginator.page(1)] == list(qs.values_list("pk", flat=True)[:2])


def test_list_page_and_api_say_when_the_count_is_capped(client, world, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    client.force_login(world.province_admin)
    html = client.get(reverse("orgs:organization_list"), {"per_page": 2}).content.decode()
    assert "超过 3 条" in html
    body = client.get("/api/v1/orgs/organizations/", {"page_size": 2}).json()
    assert body["count"] == 4 and body["count_capped"] is True
    monkeypatch.setattr(CappedCountPaginator, "cap", 1000)
    body = client.get("/api/v1/orgs/organizations/", {"page_size": 2}).json()
    assert body["count"] == 7 and body["count_capped"] is False


def test_list_page_never_counts_every_row(client, world, monkeypatch):
    """The pager's count is the only COUNT on a list page, and it stops at cap + 1 rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    client.force_login(world.province_admin)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orgs:organization_list"), {"per_page": 2})
    assert response.status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the pager counts the rows"
    assert all("LIMIT 4" in sql for sql in counts), counts
