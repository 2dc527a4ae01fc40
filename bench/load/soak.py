"""Soak with failures (issue 17, point 10): no accepted write may be lost.

Starts gunicorn + RQ workers + the ticks on the load database (as bench/load/run.sh, same
environment), then for ``--seconds``:

* ``--writers`` threads submit demands through the phone form as the enterprise contact and
  record the id of every demand the site accepted (the redirect to “需求已提交”);
* one clerk uploads a demand sheet every 20 s, each check a background job on RQ;
* at 1/3 of the run RQ worker 1 is killed with SIGKILL (and started again 2 s later, as
  systemd's ``Restart=always`` would); at 1/2 PostgreSQL is restarted once
  (``pg_ctlcluster --skip-systemctl-redirect 15 main restart``).

Then it waits for the queued jobs and checks in the database that every accepted demand is
there, and prints the answers seen during the restart (status codes, Chinese error pages,
slowest answer). Exit 1 if a write was lost or a job stayed unfinished.

    .venv/bin/python bench/load/soak.py --seconds 240
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "Jiangqiao@2026"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
DONE = re.compile(r"/demands/submit/(\d+)/done/")


def environment(db: str, port: int, redis_db: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.bench",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
        JIANGQIAO_TASK_BACKEND="rq",
        JIANGQIAO_REDIS_URL=f"redis://127.0.0.1:6379/{redis_db}",
        JIANGQIAO_CACHE_URL=f"rediscache://127.0.0.1:6379/{redis_db + 1}",
        JIANGQIAO_DB_CONN_MAX_AGE="60",
        JIANGQIAO_STATICFILES_STORAGE="jiangqiao.core.staticfiles.HashedStaticFilesStorage",
        JIANGQIAO_WEB_BIND=f"127.0.0.1:{port}",
        JIANGQIAO_WEB_WORKERS="3",
    )
    return env


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=60)
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            "next": "/",
        },
        timeout=60,
    )
    if "/accounts/login" in response.url:
        raise SystemExit(f"{username}: login failed")
    return session


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[int] = []
        self.answers: collections.Counter[str] = collections.Counter()
        self.slowest = 0.0
        self.batches: list[int] = []

    def answer(self, what: str, seconds: float) -> None:
        with self.lock:
            self.answers[what] += 1
            self.slowest = max(self.slowest, seconds)


def classify(response: requests.Response) -> str:
    text = response.text
    if response.status_code >= 500:
        chinese = "系统繁忙" in text or "服务器处理出错" in text
        return f"{response.status_code} {'中文错误页' if chinese else '其他'}"
    return str(response.status_code)


def writer(base: str, stop: threading.Event, tally: Tally, number: int) -> None:
    session = login(base, "ent_contact")
    count = 0
    while not stop.is_set():
        began = time.monotonic()
        try:
            form = session.get(f"{base}/demands/submit/", timeout=60)
            if form.status_code != 200:
                tally.answer(f"表单 {classify(form)}", time.monotonic() - began)
                time.sleep(1)
                continue
            fields = dict(HIDDEN.findall(form.text))
            count += 1
            response = session.post(
                f"{base}/demands/submit/",
                data={
                    **fields,
                    "kind": "tech_problem",
                    "title": f"浸泡测试需求 {number}-{count}：焊接变形控制",
                    "description": "薄板焊接变形大，需要焊接工艺方面的劳模工匠现场指导。",
                    "delivery_mode": "onsite",
                    "action": "submit",
                },
                timeout=60,
            )
        except requests.RequestException as exc:
            tally.answer(f"连接错误 {type(exc).__name__}", time.monotonic() - began)
            time.sleep(1)
            continue
        seconds = time.monotonic() - began
        match = DONE.search(response.url)
        if response.status_code == 200 and match:
            with tally.lock:
                tally.accepted.append(int(match.group(1)))
            tally.answer("200 已提交", seconds)
        else:
            tally.answer(f"提交 {classify(response)}", seconds)
            time.sleep(1)


def importer(base: str, stop: threading.Event, tally: Tally, sheet: bytes) -> None:
    session = login(base, "ns_staff")
    while not stop.is_set():
        try:
            session.get(f"{base}/import/demands.demand/", timeout=60)
            response = session.post(
                f"{base}/import/demands.demand/",
                data={
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                    "mode": "valid",
                    "policy": "fill",
                    "source_label": "浸泡测试",
                },
                files={"file": ("浸泡测试.csv", sheet, "text/csv")},
                timeout=60,
            )
            match = re.search(r"/imports/(\d+)/", response.url)
            if response.status_code == 200 and match:
                with tally.lock:
                    tally.batches.append(int(match.group(1)))
        except requests.RequestException:
            pass
        stop.wait(20)


def psql(db: str, sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=240)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--db", default="p6load")
    parser.add_argument("--port", type=int, default=8062)
    parser.add_argument("--redis-db", type=int, default=8)
    parser.add_argument("--out", default="var/load/soak")
    parser.add_argument("--no-pg-restart", action="store_true")
    args = parser.parse_args()
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    env = environment(args.db, args.port, args.redis_db)
    base = f"http://127.0.0.1:{args.port}"

    def start(
        name: str, command: list[str], extra: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = (out / f"{name}.log").open("ab")
        return subprocess.Popen(
            command, cwd=ROOT, env={**env, **(extra or {})}, stdout=log, stderr=log
        )

    def rq(number: int) -> subprocess.Popen[bytes]:
        return start(
            f"rqworker-{number}",
            [
                PY,
                "manage.py",
                "rqworker",
                "--job-class",
                "django_tasks_rq.backend.Job",
                "--name",
                f"soak-{os.getpid()}-{number}-{time.time():.0f}",
                "default",
                "matching",
            ],
        )

    processes = {
        "web": start(
            "gunicorn",
            [PY, "-m", "gunicorn", "--config", "python:config.gunicorn", "config.wsgi"],
            {"PROMETHEUS_MULTIPROC_DIR": str(out / "metrics")},
        ),
        "rq1": rq(1),
        "rq2": rq(2),
        "ticks": start("ticks", [PY, "manage.py", "run_periodic", "--loop"]),
    }
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code in (200, 503):
                    break
            except requests.RequestException:
                time.sleep(1)
        first_id = int(psql(args.db, "select coalesce(max(id), 0) from demands_demand"))
        tally = Tally()
        stop = threading.Event()
        sheet = (ROOT / "var" / "load" / "import-demands.csv").read_bytes()
        threads = [
            threading.Thread(target=writer, args=(base, stop, tally, n), daemon=True)
            for n in range(args.writers)
        ]
        threads.append(
            threading.Thread(target=importer, args=(base, stop, tally, sheet), daemon=True)
        )
        for thread in threads:
            thread.start()
        began = time.monotonic()
        events: list[str] = []
        killed = restarted = False
        while time.monotonic() - began < args.seconds:
            elapsed = time.monotonic() - began
            if not killed and elapsed > args.seconds / 3:
                processes["rq1"].send_signal(signal.SIGKILL)
                processes["rq1"].wait()
                events.append(
                    f"{elapsed:.0f} s: RQ worker 1 killed (SIGKILL), {len(tally.accepted)} accepted so far"
                )
                time.sleep(2)
                processes["rq1"] = rq(1)
                killed = True
            if not restarted and not args.no_pg_restart and elapsed > args.seconds / 2:
                t0 = time.monotonic()
                subprocess.run(
                    ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"],
                    check=True,
                )
                events.append(
                    f"{elapsed:.0f} s: PostgreSQL restarted in {time.monotonic() - t0:.1f} s, "
                    f"{len(tally.accepted)} accepted so far"
                )
                restarted = True
            time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        accepted = sorted(set(tally.accepted))
        # the jobs queued during the run: wait for the workers to finish them
        deadline = time.monotonic() + 300
        batches = ",".join(str(b) for b in tally.batches) or "0"
        while time.monotonic() < deadline:
            pending = psql(
                args.db,
                f"select count(*) from core_importbatch where id in ({batches}) "
                "and status in ('uploaded', 'checking')",
            )
            if pending == "0":
                break
            time.sleep(5)
        statuses = psql(
            args.db,
            f"select status || ' ' || count(*) from core_importbatch where id in ({batches}) group by status",
        )
        found = int(
            psql(
                args.db,
                f"select count(*) from demands_demand where id in ({','.join(map(str, accepted)) or '0'})",
            )
        )
        created = int(
            psql(
                args.db,
                f"select count(*) from demands_demand where id > {first_id} "
                "and title like '浸泡测试需求%'",
            )
        )
        print("\n".join(events))
        print(f"answers: {dict(tally.answers)}; slowest answer {tally.slowest:.1f} s")
        print(
            f"accepted writes: {len(accepted)}; found in the database: {found}; "
            f"soak demands in the database: {created}"
        )
        print(
            f"import checks queued: {len(tally.batches)}; batch statuses after the run: "
            f"{statuses.replace(chr(10), ', ')}"
        )
        lost = len(accepted) - found
        unfinished = "uploaded" in statuses or "checking" in statuses
        print(
            "RESULT: "
            + ("OK" if lost == 0 and not unfinished else f"LOST {lost} / unfinished jobs")
        )
        return 0 if lost == 0 and not unfinished else 1
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
