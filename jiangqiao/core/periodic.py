"""Periodic work declared by the apps (core knows none of them): ``register(name, func, every)``.

``manage.py run_periodic`` runs what is due once (for cron or a systemd timer); with ``--loop``
it keeps running them on their period (``make run`` starts it beside the task worker, watched
and restarted like the worker). Each function must be safe to run twice or concurrently: a
registered function does its transitions as conditional updates (e.g. the casework deadline tick).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    label: str
    func: Callable[[], Any]
    every: float  # seconds


_REGISTRY: dict[str, Periodic] = {}


def register(name: str, func: Callable[[], Any], *, every: float, label: str = "") -> None:
    """Declare ``func`` to run every ``every`` seconds (registering again replaces it)."""
    _REGISTRY[name] = Periodic(name, label or name, func, float(every))


def registered() -> list[Periodic]:
    return sorted(_REGISTRY.values(), key=lambda p: p.name)


def run_due(last_run: dict[str, float], *, now: float | None = None) -> dict[str, Any]:
    """Run each registered function whose period has passed since ``last_run`` (updated in place).

    A function that raises is logged and retried on its next period; the others still run.
    """
    now = time.monotonic() if now is None else now
    results: dict[str, Any] = {}
    for job in registered():
        previous = last_run.get(job.name)
        if previous is not None and now - previous < job.every:
            continue
        last_run[job.name] = now
        try:
            results[job.name] = job.func()
        except Exception:  # one failing job must not stop the others or the loop
            logger.exception("定时任务 %s 执行失败", job.name)
            results[job.name] = None
    return results
