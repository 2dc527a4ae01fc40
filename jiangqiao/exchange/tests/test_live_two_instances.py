"""Two instances on one machine, live (issue 17 point 9): a province and the national instance,
each with its own database and port (gunicorn), exchange over HTTP with a scoped token.

Proves, through real processes and sockets: a demand created in the province appears nationally
after ``manage.py exchange_sync``; an answer lost after the receiver committed (the connection
drops) is resent whole and applied once; the receiver killed in the middle of a batch applies
nothing, and after its restart the resent batch is applied once.

The two databases are copies of the test database (already migrated, reference data loaded):
SQLite files written with SQLite's backup API, or PostgreSQL databases created from it as a
template — so no migration runs here. Between the province and the national instance sits a
small HTTP relay in this process that can drop the answer or cut the request.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

ROOT = Path(settings.BASE_DIR)
DRIVER = "jiangqiao.exchange.tests.live_instance"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Instance:
    def __init__(self, name: str, database_url: str, tmp: Path) -> None:
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "JIANGQIAO_INSTANCE_ID": name,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "JIANGQIAO_TEST_VAR_DIR": str(tmp / name),
            "PYTHONPATH": str(ROOT),
        }
        self.server: subprocess.Popen[bytes] | None = None
        self.log = tmp / f"{name}-server.log"
        self.driver = subprocess.Popen(
            [sys.executable, "-m", DRIVER],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(tmp / f"{name}-driver.log", "wb"),  # noqa: SIM115
            text=True,
        )

    def step(self, *args: str) -> dict[str, Any]:
        assert self.driver.stdin is not None and self.driver.stdout is not None
        self.driver.stdin.write(json.dumps(args, ensure_ascii=False) + "\n")
        self.driver.stdin.flush()
        answer = self.driver.stdout.readline()
        assert answer, f"{self.name}: the driver stopped"
        result = dict(json.loads(answer))
        assert "error" not in result, result["error"]
        return result

    def sync(self) -> dict[str, Any]:
        return self.step("sync")

    def stop(self) -> None:
        self.kill()
        if self.driver.poll() is None:
            assert self.driver.stdin is not None
            self.driver.stdin.close()
            try:
                self.driver.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.driver.kill()

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "120",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/exchange/batches/", timeout=2)  # noqa: S310
            except urllib.error.HTTPError:
                return  # 401/403: it answers
            except OSError:
                assert self.server.poll() is None, self.log.read_text()[-3000:]
                time.sleep(0.3)
        raise AssertionError(f"{self.name} did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=10)
        self.server = None


class Relay(http.server.ThreadingHTTPServer):
    """``pass``: forward; ``drop``: forward, then close without the answer; ``cut``: send the
    receiver half the body, kill it, and close."""

    def __init__(self, target: Instance) -> None:
        super().__init__(("127.0.0.1", 0), RelayHandler)
        self.target = target
        self.mode = "pass"
        self.seen: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RelayHandler(http.server.BaseHTTPRequestHandler):
    server: Relay

    def log_message(self, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        relay = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        relay.seen.append(f"{relay.mode}:{self.headers.get('X-Exchange-Batch', '')}")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        if relay.mode == "cut":
            raw = socket.create_connection(("127.0.0.1", relay.target.port))
            head = f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in headers.items()
            )
            raw.sendall((head + "\r\n").encode("latin-1") + body[: len(body) // 2])
            time.sleep(0.3)
            relay.target.kill()
            raw.close()
            self.close_connection = True
            return
        upstream = http.client.HTTPConnection("127.0.0.1", relay.target.port, timeout=120)
        upstream.request("POST", self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        upstream.close()
        if relay.mode == "drop":
            self.close_connection = True  # the receiver has committed; its answer is lost
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type") or "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextlib.contextmanager
def _copy_test_database(names: list[str], tmp: Path) -> Iterator[list[str]]:
    """Database URLs of copies of the test database, one per name (removed afterwards)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        urls = []
        for name in names:
            path = tmp / f"{name}.sqlite3"
            target = sqlite3.connect(path)
            connection.connection.backup(target)
            target.close()
            urls.append(f"sqlite:///{path}")
        yield urls
        return
    import psycopg

    source = connection.settings_dict["NAME"]
    params = {
        "host": connection.settings_dict["HOST"] or "127.0.0.1",
        "port": connection.settings_dict["PORT"] or 5432,
        "user": connection.settings_dict["USER"],
        "password": connection.settings_dict["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    copies = [f"{source}_live_{name}".replace("-", "_")[:60] for name in names]
    connections.close_all()  # a template must have no other session
    with psycopg.connect(**params) as admin:
        # A connection left open by an earlier test (another thread's) would block the copy.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [source],
        )
        for copy in copies:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
            admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    auth = params["user"] + (f":{params['password']}" if params["password"] else "")
    try:
        yield [f"postgres://{auth}@{params['host']}:{params['port']}/{c}" for c in copies]
    finally:
        with psycopg.connect(**params) as admin:
            for copy in copies:
                admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


@pytest.fixture
def instances(django_db_setup, django_db_blocker, tmp_path) -> Iterator[tuple[Any, Any, Relay]]:
    with (
        django_db_blocker.unblock(),
        _copy_test_database(["province", "national"], tmp_path) as urls,
    ):
        province = Instance("gd-province", urls[0], tmp_path)
        national = Instance("national", urls[1], tmp_path)
        relay = Relay(national)
        thread = threading.Thread(target=relay.serve_forever, daemon=True)
        thread.start()
        try:
            yield province, national, relay
        finally:
            relay.shutdown()
            relay.server_close()
            national.stop()
            province.stop()


@pytest.mark.django_db(transaction=True)
def test_a_province_demand_reaches_the_national_instance_exactly_once(instances):
    province, national, relay = instances
    token = national.step("national-setup")["token"]
    national.start()
    province.step("province-setup", relay.url, token)

    # 1. A demand created in the province appears nationally.
    first = province.step("province-demand", "加工中心主轴异响")["number"]
    synced = province.sync()
    assert synced["rc"] == 0, synced["err"]
    assert "对方已应用" in synced["out"] and "无滞后" in synced["out"]
    state = national.step("national-state", first)
    assert state["demands"] == 1 and state["titles"] == ["加工中心主轴异响"]

    # 2. The receiver commits, the answer is lost: the batch is resent whole, applied once.
    second = province.step("province-demand", "注塑机温控漂移")["number"]
    relay.mode = "drop"
    lost = province.sync()
    assert lost["rc"] == 1 and "连接对方失败或连接中断" in lost["err"]
    assert national.step("national-state", second)["demands"] == 1  # committed there
    relay.mode = "pass"
    resent = province.sync()
    assert resent["rc"] == 0 and "此前已应用" in resent["out"], resent["err"]
    state = national.step("national-state", second)
    assert state["demands"] == 1 and state["imports"] == 2
    assert relay.seen[-2].split(":")[1] == relay.seen[-1].split(":")[1]  # the same batch key
    assert state["receipts"][-1][1] == 1  # answered once from the receipt

    # 3. The receiver is killed in the middle of a batch: nothing applied; after the restart
    #    the same batch is applied, once.
    third = province.step("province-demand", "数控系统报警")["number"]
    relay.mode = "cut"
    cut = province.sync()
    assert cut["rc"] == 1
    relay.mode = "pass"
    assert national.step("national-state", third)["demands"] == 0
    national.start()
    again = province.sync()
    assert again["rc"] == 0 and "对方已应用" in again["out"], again["err"]
    state = national.step("national-state", third)
    assert state["demands"] == 1 and state["imports"] == 3
    assert [r[1] for r in state["receipts"]] == [0, 1, 0]
    assert relay.seen[-2].split(":")[1] == relay.seen[-1].split(":")[1]
