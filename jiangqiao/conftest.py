"""Project-wide pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Load the reference data (GB/T 2260, GB/T 4754, 大典 2022, code lists) once per session.

    It is committed before any test transaction starts, so every test sees it and no test can
    change it for another (each test runs in a rolled-back transaction).
    """
    from jiangqiao.taxonomy.services import load_all

    with django_db_blocker.unblock():
        load_all()
    yield


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request: Any) -> None:
    """A transactional test ends with a flush of every table, the reference data included; the
    next transactional test (pytest-django runs them after the others, in collection order)
    gets it back here, so no test depends on which transactional test ran before it."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" not in request.fixturenames and not (
        marker is not None and marker.kwargs.get("transaction")
    ):
        return
    request.getfixturevalue("transactional_db")
    from jiangqiao.taxonomy.models import Term
    from jiangqiao.taxonomy.services import load_all

    if not Term.objects.exists():
        load_all()


@pytest.fixture
def world(db: Any) -> Any:
    from jiangqiao.core.testing.personas import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Every test starts with an empty cache: the per-user counters of duplicate checks that hit
    other units' records (``core.probes``) live there and must not carry over between tests."""
    from django.core.cache import cache

    from jiangqiao.core import workdays

    cache.clear()
    # The working-day calendar's per-process copy of the overrides (rolled back with each test).
    workdays.clear_local_cache()
    yield
