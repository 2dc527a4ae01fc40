"""Concurrent submissions on PostgreSQL: distinct, gapless numbers; one winner per demand."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from jiangqiao.casework import services as casework_services
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.demands.models import Demand

from .factories import make_demand, make_enterprise

THREADS = 8


@pytest.fixture
def committed_world(transactional_db: Any) -> Iterator[Any]:
    """A committed world (the flush that follows removes the reference data too; the conftest's
    ``_reference_data_after_flush`` gives it back to the next transactional test)."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite in-memory test database: threads share one connection-less database and "
            "writers are serialised by BEGIN IMMEDIATE anyway; the row lock is tested on PostgreSQL"
        )
    from jiangqiao.core.testing.personas import build_world

    yield build_world()


def _run_in_threads(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job: Callable[[], Any]) -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            value = job()
            with lock:
                results.append(value)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_concurrent_submissions_get_distinct_gapless_numbers(committed_world: Any) -> None:
    world = committed_world
    enterprise = make_enterprise(world.county_a1, world.city_admin_a)
    drafts = [make_demand(enterprise, world.city_admin_a) for _ in range(THREADS)]

    def submit(pk: int) -> Callable[[], str | None]:
        return lambda: (
            casework_services.demand_submit(
                actor=world.city_admin_a, demand=Demand.objects.get(pk=pk)
            ).number
        )

    results, errors = _run_in_threads([submit(d.pk) for d in drafts])
    assert errors == []
    numbers = list(Demand.objects.filter(enterprise=enterprise).values_list("number", flat=True))
    assert sorted(numbers) == sorted(results)
    assert len(set(numbers)) == THREADS
    sequences = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequences == list(range(1, THREADS + 1))  # no duplicates, no number used twice


def test_concurrent_submits_of_one_draft_have_one_winner(committed_world: Any) -> None:
    world = committed_world
    enterprise = make_enterprise(world.county_a1, world.city_admin_a)
    draft = make_demand(enterprise, world.city_admin_a)

    def submit() -> str | None:
        return casework_services.demand_submit(
            actor=world.city_admin_a, demand=Demand.objects.get(pk=draft.pk)
        ).number

    results, errors = _run_in_threads([submit for _ in range(4)])
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(e, BusinessError) for e in errors)
    assert draft.events.filter(to_status="submitted").count() == 1
    # the losers consumed no number: the next submission continues the sequence
    other = make_demand(enterprise, world.city_admin_a)
    number = casework_services.demand_submit(actor=world.city_admin_a, demand=other).number
    assert number is not None and number.endswith("-000002")


def test_concurrent_posts_with_one_idempotency_key_create_one_demand(committed_world: Any) -> None:
    from rest_framework.test import APIClient

    from jiangqiao.taxonomy.services import load_all

    load_all()  # the region code is checked; an earlier test's flush may have removed the codes
    world = committed_world
    enterprise = make_enterprise(world.county_a1, world.city_admin_a)

    def post() -> tuple[int, Any]:
        client = APIClient()
        client.force_authenticate(world.city_admin_a)
        response = client.post(
            "/api/v1/demands/demands/",
            {"enterprise": enterprise.pk, "kind": "other", "title": "并发", "description": "同键"},
            format="json",
            headers={"Idempotency-Key": "same-key-from-a-retrying-client"},
        )
        return response.status_code, response.json().get("id")

    results, errors = _run_in_threads([post for _ in range(4)])
    assert errors == []
    assert Demand.objects.filter(enterprise=enterprise).count() == 1
    only = Demand.objects.get(enterprise=enterprise).pk
    assert sorted(results) == [(201, only)] * 4


def test_the_same_problem_sent_four_times_at_once_makes_one_demand(committed_world: Any) -> None:
    from jiangqiao.demands import services
    from jiangqiao.demands.duplicates import DuplicateDemand

    world = committed_world
    enterprise = make_enterprise(world.county_a1, world.city_admin_a)
    data = {
        "kind": "tech_problem",
        "category": "equipment",
        "title": "数控机床主轴高速运转异响",
        "description": "两台立式加工中心主轴在高转速时异响，厂家售后排期长，担心精度下降。",
    }

    def send() -> int:
        return services.demand_create(
            actor=world.city_admin_a,
            enterprise=enterprise,
            data=dict(data),
            submit=True,
            check_duplicates=True,  # as the phone form, the staff form and the API call it
        ).pk

    results, errors = _run_in_threads([send for _ in range(4)])
    # The enterprise's row is locked while the check runs: the first one in saves, the others
    # see it and are refused as the same text (which no confirmation lets through).
    assert len(results) == 1, errors
    assert len(errors) == 3 and all(isinstance(e, DuplicateDemand) and e.same_text for e in errors)
    assert (
        list(Demand.objects.filter(enterprise=enterprise).values_list("pk", flat=True)) == results
    )
    assert Demand.objects.get(pk=results[0]).number
