"""The matching index's freshness for ``/healthz`` and ``/metrics`` (registered in ``apps``).

Today every process builds its own index on first use and syncs it on every later use
(``indexing.HOLDER``), so the answer is about the process that serves the probe: ``not_built``
until a suggestion has been asked of it, then the age of its build and of its last sync.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def _age(moment: Any) -> float | None:
    return None if moment is None else round((timezone.now() - moment).total_seconds(), 1)


def index_status() -> dict[str, Any]:
    from .indexing import HOLDER

    state = HOLDER.peek()
    if state is None:
        return {
            "status": "ok",
            "state": "not_built",
            "note": "本进程尚未构建匹配索引（首次使用时构建）",
        }
    return {
        "status": "ok",
        "state": "built",
        "built_age_seconds": _age(state.built_at),
        "synced_age_seconds": _age(state.synced_at),
        "records": len(state.stamps),
    }


def index_age_seconds() -> float | None:
    """Seconds since this process's index was last synced with the database (None: not built)."""
    from .indexing import HOLDER

    state = HOLDER.peek()
    return None if state is None else _age(state.synced_at)
