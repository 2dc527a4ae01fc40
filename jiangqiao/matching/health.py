"""The shared matching index's freshness for ``/healthz`` and ``/metrics`` (registered in ``apps``).

The index is built by the periodic worker and shared by every process (``shared``), so the answer
is the same whichever process serves the probe: the published generation, how long ago the builder
last brought it up to date with the database, and which generation this process ranks on.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from jiangqiao.core.health import DEGRADED, OK


def _age(moment: Any) -> float | None:
    return None if moment is None else round((timezone.now() - moment).total_seconds(), 1)


def stale_after() -> float:
    """Seconds without a builder run after which the index counts as stale."""
    every = float(getattr(settings, "JIANGQIAO_MATCH_INDEX_REFRESH_SECONDS", 20))
    return max(6 * every, 300.0)


def index_status() -> dict[str, Any]:
    from .shared import READER, freshness

    info = freshness()
    if info["generation"] is None:
        return {
            "status": OK,
            "state": "not_built",
            "note": "匹配索引尚未发布（由定时任务 run_periodic 构建）",
        }
    if not info["readable"]:
        return {"status": DEGRADED, "state": "unreadable", "generation": info["generation"]}
    synced = _age(info["checked_at"])
    held = READER.peek()
    return {
        "status": DEGRADED if synced is None or synced > stale_after() else OK,
        "state": "built",
        "generation": info["generation"],
        "process_generation": held.generation if held is not None else None,
        "built_age_seconds": _age(info["built_at"]),
        "written_age_seconds": _age(info["written_at"]),
        "synced_age_seconds": synced,
        "records": info["craftsmen"],
    }


def index_age_seconds() -> float | None:
    """Seconds since the builder last synced the shared index with the database (None: none)."""
    from .shared import freshness

    info = freshness()
    if info["generation"] is None or not info.get("readable"):
        return None
    return _age(info["checked_at"])
