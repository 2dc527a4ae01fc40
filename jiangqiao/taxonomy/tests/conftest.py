"""Fixtures of the taxonomy tests.

The reference data is loaded once per session by the project's ``django_db_setup`` override
(root ``conftest.py``), committed before any test transaction starts. Tests here only read it
(writes happen inside the rolled-back test transaction), so it is loaded exactly once.
``reference_data`` makes that explicit and reloads it if a transactional test elsewhere
flushed the tables; ``user``/``page_client``/``api_client`` give a logged-in ordinary user.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from jiangqiao.taxonomy.models import Term
from jiangqiao.taxonomy.selectors import clear_term_cache
from jiangqiao.taxonomy.services import load_all


@pytest.fixture(autouse=True)
def reference_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Make sure the reference data is present and no label cache survives a test."""
    with django_db_blocker.unblock():
        if not Term.objects.filter(scheme="region").exists():
            load_all()
    clear_term_cache()
    yield
    clear_term_cache()


@pytest.fixture
def user(db: Any) -> Any:
    return get_user_model().objects.create_user(
        username="taxonomy-reader", password="Reader@2026-pass", must_change_password=False
    )


@pytest.fixture
def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def api_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client
