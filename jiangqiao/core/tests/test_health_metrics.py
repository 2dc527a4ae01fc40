"""/healthz, /metrics and the JSON access log (issue 17, point 7)."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.utils import timezone

from jiangqiao.core import health
from jiangqiao.core.jsonlog import JsonFormatter
from jiangqiao.core.models import WorkerHeartbeat
from jiangqiao.core.worker import record_heartbeat

DB_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "matching"]}
}


def _counter(text: str, view: str, status: str) -> float:
    pattern = (
        r'^jiangqiao_http_requests_total\{status="'
        + status
        + r'",view="'
        + re.escape(view)
        + r'"\} (\S+)$'
    )
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.mark.django_db
class TestHealthz:
    @override_settings(TASKS=DB_BACKEND)
    def test_all_up_is_200_with_each_check(self, world: Any, tmp_path: Any) -> None:
        record_heartbeat("test-worker")
        # A fresh index directory: the suite's shared one was last synced by an earlier test,
        # possibly longer ago than the stale time (then the index check says degraded).
        with override_settings(JIANGQIAO_MATCH_INDEX_DIR=tmp_path):
            response = Client().get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        checks = body["checks"]
        assert set(checks) >= {"database", "cache", "task_queue", "worker", "matching_index"}
        assert all(check["status"] == "ok" for check in checks.values())
        assert checks["database"]["ms"] >= 0
        assert checks["task_queue"]["backend"] == "database"
        assert checks["worker"]["age_seconds"] < 60
        assert checks["matching_index"]["state"] in {"not_built", "built"}
        # Statuses and ages only: no unit or person names.
        text = response.content.decode()
        for org in (world.province, world.city_a, world.city_b):
            assert org.name not in text
        assert world.province_admin.username not in text

    @override_settings(TASKS=DB_BACKEND)
    def test_database_down_is_503(self) -> None:
        record_heartbeat("test-worker")
        with mock.patch.object(health.connection, "cursor", side_effect=OperationalError("down")):
            response = Client().get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "fail"
        assert body["checks"]["database"] == {
            "status": "fail",
            "error": "OperationalError",
            "required": True,
        }

    @override_settings(TASKS=DB_BACKEND, JIANGQIAO_HEALTH_WORKER_STALE_MINUTES=2)
    def test_stale_worker_heartbeat_is_503(self) -> None:
        record_heartbeat("test-worker")
        WorkerHeartbeat.objects.filter(worker_id="test-worker").update(
            beat_at=timezone.now() - timedelta(minutes=5)
        )
        response = Client().get("/healthz")
        assert response.status_code == 503
        worker = response.json()["checks"]["worker"]
        assert worker["status"] == "degraded"
        assert worker["age_seconds"] >= 5 * 60 - 1

    @override_settings(TASKS=DB_BACKEND)
    def test_no_worker_at_all_is_503(self) -> None:
        assert Client().get("/healthz").status_code == 503

    @override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    def test_rq_configured_and_redis_unreachable_is_503(self) -> None:
        response = Client().get("/healthz")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["task_queue"]["status"] == "fail"
        assert checks["task_queue"]["required"] is True
        assert "127.0.0.1" not in response.content.decode()  # no connection details

    def test_no_login_needed_even_when_password_must_change(self, world: Any) -> None:
        user = world.grassroots_clerk
        user.must_change_password = True
        user.save()
        client = Client()
        client.force_login(user)
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
class TestMetrics:
    def test_not_allowed_address_gets_404(self) -> None:
        response = Client(REMOTE_ADDR="10.9.8.7").get("/metrics")
        assert response.status_code == 404
        assert b"jiangqiao_http_requests_total" not in response.content

    @override_settings(JIANGQIAO_METRICS_TOKEN="s3cret-token")
    def test_bearer_token_from_elsewhere(self) -> None:
        client = Client(REMOTE_ADDR="10.9.8.7")
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
        ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
        assert ok.status_code == 200

    @override_settings(JIANGQIAO_METRICS_ALLOW=["10.9.8.7"])
    def test_allow_list_setting(self) -> None:
        assert Client(REMOTE_ADDR="10.9.8.7").get("/metrics").status_code == 200
        assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404

    def test_loopback_sees_counters_that_grow(self) -> None:
        client = Client(REMOTE_ADDR="127.0.0.1")
        before = client.get("/metrics")
        assert before.status_code == 200
        assert before["Content-Type"].startswith("text/plain")
        text = before.content.decode()
        for name in (
            "jiangqiao_task_queue_depth",
            "jiangqiao_jobs_failed",
            "jiangqiao_http_request_duration_seconds",
            "jiangqiao_matching_index_age_seconds",
        ):
            assert f"# TYPE {name}" in text
        counted = _counter(text, "healthz", "2xx")
        client.get("/healthz")
        client.get("/healthz")
        after = client.get("/metrics").content.decode()
        assert _counter(after, "healthz", "2xx") == counted + 2
        # Routes, not raw paths: an unknown URL is one label, whatever its path.
        client.get("/no/such/page/12345/")
        assert "/no/such/page" not in client.get("/metrics").content.decode()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _access_lines(client: Client, path: str, **extra: Any) -> tuple[Any, list[dict[str, Any]]]:
    logger = logging.getLogger("jiangqiao.request")
    handler = _Records()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        response = client.get(path, **extra)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return response, [json.loads(JsonFormatter().format(r)) for r in handler.records]


@pytest.mark.django_db
def test_json_log_line_carries_the_response_request_id(world: Any) -> None:
    client = Client()
    client.force_login(world.grassroots_clerk)
    response, lines = _access_lines(client, "/healthz")
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == world.grassroots_clerk.pk
    assert line["route"] == "healthz"
    assert line["status"] == response.status_code
    assert line["duration_ms"] >= 0
    assert world.grassroots_clerk.username not in json.dumps(line, ensure_ascii=False)


@pytest.mark.django_db
def test_proxy_request_id_is_honoured_only_behind_a_trusted_proxy() -> None:
    given = "0123456789abcdef0123456789abcdef"
    with override_settings(JIANGQIAO_TRUST_X_FORWARDED_FOR=True):
        response, lines = _access_lines(Client(), "/healthz", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"].replace("-", "") == given
    assert lines[0]["request_id"] == response["X-Request-ID"]
    with override_settings(JIANGQIAO_TRUST_X_FORWARDED_FOR=False):
        response, _ = _access_lines(Client(), "/healthz", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"].replace("-", "") != given


def test_the_client_address_is_the_one_our_proxy_saw() -> None:
    """A client cannot choose the address the login limits and logs see by sending its own
    X-Forwarded-For: only the proxy's (last) entry counts, and only behind a trusted proxy."""
    from django.test import RequestFactory

    from jiangqiao.core.context import client_ip

    spoofed = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="127.0.0.1"
    )
    with override_settings(JIANGQIAO_TRUST_X_FORWARDED_FOR=True):
        assert client_ip(spoofed) == "203.0.113.9"
    with override_settings(JIANGQIAO_TRUST_X_FORWARDED_FOR=False):
        assert client_ip(spoofed) == "127.0.0.1"
