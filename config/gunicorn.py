"""gunicorn settings of 匠桥: ``gunicorn -c python:config.gunicorn config.wsgi``.

Used by the systemd unit (deploy/systemd/jiangqiao-web.service) and by ``make run``
(``run_platform`` passes its own ``--bind`` and ``--workers``). Everything can be changed from the
environment file (deploy/jiangqiao.env.example):

* ``JIANGQIAO_WEB_BIND`` (127.0.0.1:8001, behind nginx), ``JIANGQIAO_WEB_WORKERS`` (2 × cores + 1),
  ``JIANGQIAO_WEB_THREADS`` (1), ``JIANGQIAO_WEB_TIMEOUT`` (60 s; nginx waits 75 s),
  ``JIANGQIAO_WEB_MAX_REQUESTS`` (0: a worker is never recycled — each one keeps its matching index);
* ``JIANGQIAO_LOG_JSON=1``: the access log is one JSON object per line with the request id that
  the application returned in ``X-Request-ID`` (the id of the change and operation logs);
* ``PROMETHEUS_MULTIPROC_DIR``: emptied when the server starts and cleaned of a dead worker's
  files, so that ``/metrics`` adds up the live workers (``core.metrics``).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def default_workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


bind = os.environ.get("JIANGQIAO_WEB_BIND", "127.0.0.1:8001")
workers = _int("JIANGQIAO_WEB_WORKERS", default_workers())
threads = _int("JIANGQIAO_WEB_THREADS", 1)
timeout = _int("JIANGQIAO_WEB_TIMEOUT", 60)
graceful_timeout = 30
# nginx keeps its connections to gunicorn open (upstream keepalive): a little longer than its idle.
keepalive = 75
max_requests = _int("JIANGQIAO_WEB_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
# The client address nginx saw (X-Forwarded-For) is trusted from these addresses only.
forwarded_allow_ips = "127.0.0.1,::1"
proc_name = "jiangqiao-web"


class JsonAccessLogger(Logger):
    """gunicorn's logger whose access lines are JSON objects (``JIANGQIAO_LOG_JSON=1``)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": atoms.get("{x-request-id}o", ""),
            "remote": atoms["h"],
            "forwarded_for": atoms.get("{x-forwarded-for}i", ""),
            "method": atoms["m"],
            "path": atoms["U"],
            "status": int(atoms["s"]),
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "user_agent": atoms.get("{user-agent}i", ""),
        }
        try:
            self.access_log.info(json.dumps(record, ensure_ascii=False, default=str))
        except Exception:
            self.exception("access log line not written")


if os.environ.get("JIANGQIAO_LOG_JSON", "").strip().lower() in {"1", "true", "yes", "on"}:
    logger_class = JsonAccessLogger


def on_starting(server: Any) -> None:
    """Empty the metrics directory before the first worker starts (values of a previous run)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for child in path.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its live gauges leave the sum (prometheus_client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
