"""Every privacy test starts with an empty process matching index and the test encoder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jiangqiao.matching import indexing


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    indexing.set_encoder(None)
    yield
    indexing.set_encoder(None)
