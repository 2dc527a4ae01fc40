"""Prometheus metrics (``/metrics``) and the per-request access log line (issue 17, point 7).

``MetricsMiddleware`` (first in ``MIDDLEWARE``) counts every request and times it, labelled by the
view's route name (``resolver_match.view_name``, never the raw path: ids would explode the label
set) and the status class (``2xx`` …). It also writes one ``jiangqiao.request`` log line per
request with the request id, user id, route, status and duration (JSON with
``JIANGQIAO_LOG_JSON=1``, see ``core.jsonlog``).

Several gunicorn workers: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory writable by them
(emptied at each start); prometheus_client then keeps each process's values in files there and
``/metrics`` adds them up, whichever worker answers. Queue depth, failed jobs and the index age are
read when scraped (:class:`StateCollector`).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from . import health
from .context import client_ip

logger = logging.getLogger("jiangqiao.request")

REQUESTS = Counter(
    "jiangqiao_http_requests_total",
    "HTTP requests answered, by view (route name) and status class",
    ["view", "status"],
)
LATENCY = Histogram(
    "jiangqiao_http_request_duration_seconds",
    "Time to answer an HTTP request, by view (route name) and status class",
    ["view", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

#: Gauges read at scrape time, added by apps above core: name → (help, function).
_gauges: dict[str, tuple[str, Callable[[], float | None]]] = {}


def register_gauge(name: str, documentation: str, func: Callable[[], float | None]) -> None:
    """A gauge computed when scraped (``None``: no sample, e.g. an index not built yet)."""
    _gauges[name] = (documentation, func)


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        began = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - began
        view = view_name(request)
        status = f"{response.status_code // 100}xx"
        REQUESTS.labels(view, status).inc()
        LATENCY.labels(view, status).observe(duration)
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s",
            request.method,
            view,
            response.status_code,
            extra={
                "request_id": str(getattr(request, "id", "") or ""),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "route": view,
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
            },
        )
        return response


class StateCollector(Collector):
    """Queue depth, failed jobs and the apps' gauges, read when ``/metrics`` is scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "jiangqiao_task_queue_depth", "Tasks waiting in the task queue", labels=["queue"]
        )
        try:
            for queue, count in health.queue_depths().items():
                depth.add_metric([queue], count)
        except Exception:
            logger.warning("metrics: queue depth not read", exc_info=True)
        yield depth
        failed = GaugeMetricFamily(
            "jiangqiao_jobs_failed", "Background jobs that ended failed (and RQ failed registry)"
        )
        try:
            failed.add_metric([], health.failed_jobs())
        except Exception:
            logger.warning("metrics: failed jobs not read", exc_info=True)
        yield failed
        for name, (documentation, func) in _gauges.items():
            gauge = GaugeMetricFamily(name, documentation)
            try:
                value = func()
            except Exception:
                logger.warning("metrics: %s not read", name, exc_info=True)
                value = None
            if value is not None:
                gauge.add_metric([], value)
            yield gauge


def allowed(request: HttpRequest) -> bool:
    """A scrape from an address of ``JIANGQIAO_METRICS_ALLOW`` or with the bearer token."""
    token = str(getattr(settings, "JIANGQIAO_METRICS_TOKEN", "") or "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if (
        token
        and header.startswith("Bearer ")
        and hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())
    ):
        return True
    allow = getattr(settings, "JIANGQIAO_METRICS_ALLOW", ["127.0.0.1", "::1"])
    return client_ip(request) in set(allow)


def exposition() -> bytes:
    """This process's metrics (or all processes' in multiprocess mode) and the state gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        requests: Any = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    state = CollectorRegistry()
    state.register(StateCollector())
    return generate_latest(requests) + generate_latest(state)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
