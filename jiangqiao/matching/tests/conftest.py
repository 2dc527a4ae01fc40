"""Every matching test starts with an empty index (process and shared snapshot) and the test encoder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jiangqiao.matching import indexing, shared


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    indexing.set_encoder(None)
    shared.reset(remove_files=True)
    yield
    indexing.set_encoder(None)
    shared.reset(remove_files=True)
