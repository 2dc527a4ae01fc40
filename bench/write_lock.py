"""Other users' requests while a long job writes to SQLite (issue 12, item 7).

A throwaway copy of a demo-small SQLite database (WAL, busy_timeout 10 s, BEGIN IMMEDIATE: the
settings of ``make run``). A *clerk* process (``sz_staff``, Django's test client through the whole
middleware stack: sessions, auth, the API) alternates a craftsman list page and a craftsman edit
(API PATCH) every ``--interval`` seconds, start to start, while this process runs, one after the
other and through the real job code (``jobs.execute``: progress, heartbeat, outcome):

1. the commit of a ``--rows`` craftsman sheet (``gd_taskforce``, ``--mode valid|all``), then
2. ``--exports`` exports of the whole craftsman list (then 20,000+ rows, read in chunks of 2,000).

It prints, per phase, the job's time and outcome and the clerk's requests: how many, how many
failed (HTTP ≥ 400 or an exception) and with which status, and the waits (median, p95, longest).

    # once: the template database (about 2 minutes)
    .venv/bin/python bench/write_lock.py prepare
    # each run (a fresh copy of the template; the sheet is generated once, 20,000 rows ≈ 7 MB)
    .venv/bin/python bench/write_lock.py run --rows 20000 --mode valid
    .venv/bin/python bench/write_lock.py run --rows 20000 --mode all    # a sheet without bad rows

The same script runs against older code from a checkout of it (``git archive <rev> | tar -x -C
DIR``, with ``.venv`` linked): copy it into that checkout's ``bench/`` and pass ``--template`` and
``--sheet`` of this one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))


def _setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()


def _fresh_copy(template: Path, work: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, work)


def prepare(template: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{template}{suffix}").unlink(missing_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{template}",
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for args in (
        ["migrate", "-v0"],
        ["load_reference_data"],
        ["setup_roles"],
        ["demo_data", "--size", "small"],
    ):
        subprocess.run([*manage, *args], env=env, check=True, cwd=ROOT)  # noqa: S603
    import sqlite3

    with sqlite3.connect(template) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# -- the clerk -----------------------------------------------------------------------------------


def clerk(db: Path, stop: Path, ready: Path, out: Path, interval: float) -> None:
    """Every ``interval`` s (start to start): a list page, then an edit, then a page …"""
    _setup(db)
    from django.test import Client

    from jiangqiao.accounts.models import User
    from jiangqiao.talents.models import Craftsman

    user = User.objects.get(username="sz_staff")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    target = Craftsman.objects.visible_to(user, "change").order_by("pk").first()  # type: ignore[attr-defined]
    assert target is not None
    records: list[dict[str, Any]] = []
    ready.touch()
    n = 0
    start = time.perf_counter()
    while not stop.exists():
        tick = start + n * interval
        now = time.perf_counter()
        if tick > now:
            time.sleep(tick - now)
        t0 = time.perf_counter()
        kind = "edit" if n % 2 else "page"
        status: int | str
        try:
            if kind == "page":
                status = client.get("/talents/craftsmen/").status_code
            else:
                status = client.patch(
                    f"/api/v1/talents/craftsmen/{target.pk}/",
                    data=json.dumps({"expertise": f"数控机床故障诊断（第 {n} 次修改）"}),
                    content_type="application/json",
                ).status_code
        except Exception as exc:  # counted as a failure
            status = type(exc).__name__
        records.append(
            {"at": round(t0, 3), "kind": kind, "status": status, "s": time.perf_counter() - t0}
        )
        n += 1
    out.write_text(json.dumps(records), encoding="utf-8")


def _time_write_transactions() -> list[float]:
    """Record how long each transaction of this process holds SQLite's write lock (Django opens
    them with BEGIN IMMEDIATE, which takes the lock)."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    holds: list[float] = []
    started: dict[int, float] = {}
    begin = DatabaseWrapper._start_transaction_under_autocommit

    def start(self: Any) -> None:
        begin(self)
        started[id(self)] = time.perf_counter()

    def ending(original: Any) -> Any:
        def end(self: Any) -> None:
            original(self)
            t0 = started.pop(id(self), None)
            if t0 is not None:
                holds.append(time.perf_counter() - t0)

        return end

    DatabaseWrapper._start_transaction_under_autocommit = start  # type: ignore[method-assign]
    DatabaseWrapper._commit = ending(DatabaseWrapper._commit)  # type: ignore[method-assign]
    DatabaseWrapper._rollback = ending(DatabaseWrapper._rollback)  # type: ignore[method-assign]
    return holds


def _summary(records: list[dict[str, Any]], since: float, until: float) -> dict[str, Any]:
    # Every request that overlaps the phase (one may start just before and wait through it).
    mine = [r for r in records if r["at"] <= until and r["at"] + r["s"] >= since]
    waits = sorted(r["s"] for r in mine)
    failed: dict[str, int] = {}
    for r in mine:
        if not isinstance(r["status"], int) or r["status"] >= 400:
            failed[f"{r['kind']} {r['status']}"] = failed.get(f"{r['kind']} {r['status']}", 0) + 1
    return {
        "requests": len(mine),
        "failed": sum(failed.values()),
        "failures": failed,
        "median_s": round(statistics.median(waits), 3) if waits else None,
        "p95_s": round(waits[int(0.95 * (len(waits) - 1))], 3) if waits else None,
        "longest_s": round(waits[-1], 3) if waits else None,
        "over_1s": sum(1 for w in waits if w > 1),
    }


# -- the run -------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.work).resolve()
    _fresh_copy(Path(args.template).resolve(), work)
    sheet = Path(args.sheet).resolve()
    if not sheet.exists():
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{work}"}
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                str(ROOT / "bench" / "import_export.py"),
                "sheet",
                "--rows",
                str(args.rows),
                "--out",
                str(sheet),
                *(["--no-bad"] if args.mode == "all" else []),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    _setup(work)
    from django.db import connection

    from jiangqiao.accounts.models import User
    from jiangqiao.core import jobs
    from jiangqiao.core.io import services
    from jiangqiao.core.io.exporting import EXPORT_JOB
    from jiangqiao.core.models import Job

    importer = User.objects.get(username="gd_taskforce")
    batch = services.import_upload(
        actor=importer,
        spec_key="talents.craftsman",
        file_name=sheet.name,
        data=sheet.read_bytes(),
        source_label="写锁基准测试",
    )
    services.import_set_options(actor=importer, batch=batch, mode=args.mode)
    services.import_check(actor=importer, batch=batch)  # the preview (not measured)
    connection.close()

    stop, ready, out = (OUT / f"clerk.{name}" for name in ("stop", "ready", "json"))
    for path in (stop, ready, out):
        path.unlink(missing_ok=True)
    clerk_command = (
        [
            sys.executable,
            "-c",
            "import sys; open(sys.argv[1], 'w').write('[]'); open(sys.argv[2], 'w')",
            str(out),
            str(ready),
        ]
        if args.no_clerk
        else [
            sys.executable,
            str(Path(__file__).resolve()),
            "clerk",
            "--work",
            str(work),
            "--stop",
            str(stop),
            "--ready",
            str(ready),
            "--out",
            str(out),
            "--interval",
            str(args.interval),
        ]
    )
    clerk_process = subprocess.Popen(clerk_command)  # noqa: S603
    while not ready.exists():
        time.sleep(0.1)
    time.sleep(2 * args.interval)

    phases: dict[str, Any] = {}
    holds = _time_write_transactions()

    def run_job(name: str, job: Any) -> None:
        holds.clear()
        t0 = time.perf_counter()
        raised = ""
        try:
            jobs.execute(job.pk)  # in a worker, an exception here ends the worker's loop
        except Exception as exc:
            raised = f"{type(exc).__name__}: {exc}"
            connection.close()
        t1 = time.perf_counter()
        job = Job.objects.get(pk=job.pk)
        phases[name] = {
            "job_seconds": round(t1 - t0, 1),
            "status": job.status,
            "message": job.message[:120],
            "execute_raised": raised,
            "window": (t0, t1),
            # BEGIN … COMMIT/ROLLBACK of this process's transactions: SQLite's write lock held.
            "write_transactions": len(holds),
            "longest_write_lock_s": round(max(holds), 3) if holds else 0,
            "write_lock_total_s": round(sum(holds), 1),
        }
        time.sleep(2 * args.interval)

    run_job("import", services.start_job(actor=importer, batch=batch, commit=True))
    batch.refresh_from_db()
    phases["import"]["counts"] = (batch.result or {}).get("committed_counts")
    for i in range(args.exports):
        job = jobs.job_start(
            actor=importer,
            kind=EXPORT_JOB,
            params={
                "view": "jiangqiao.talents.views.CraftsmanListView",
                "query": "",
                "format": args.format,
                "title": "劳模工匠",
            },
        )
        run_job(f"export {i + 1}", job)

    stop.touch()
    clerk_process.wait(timeout=120)
    records = json.loads(out.read_text(encoding="utf-8"))
    windows = {name: phase["window"] for name, phase in phases.items()}
    raw = OUT / f"clerk-{args.mode}-{args.rows}.json"
    raw.write_text(json.dumps({"windows": windows, "records": records}), encoding="utf-8")
    for phase in phases.values():
        since, until = phase.pop("window")
        phase["clerk"] = _summary(records, since, until)
    return {
        "rows": args.rows,
        "mode": args.mode,
        "interval_s": args.interval,
        "phases": phases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--template", default=str(OUT / "lock-template.sqlite3"))
    r = sub.add_parser("run")
    r.add_argument("--template", default=str(OUT / "lock-template.sqlite3"))
    r.add_argument("--work", default=str(OUT / "lock-work.sqlite3"))
    r.add_argument("--rows", type=int, default=20_000)
    r.add_argument("--sheet", default="")
    r.add_argument("--mode", choices=["valid", "all"], default="valid")
    r.add_argument("--interval", type=float, default=0.3)
    r.add_argument("--exports", type=int, default=3)
    r.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    r.add_argument("--no-clerk", action="store_true", help="the job alone (its own speed)")
    c = sub.add_parser("clerk")
    c.add_argument("--work", required=True)
    c.add_argument("--stop", required=True)
    c.add_argument("--ready", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--interval", type=float, default=0.3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.command == "prepare":
        prepare(Path(args.template).resolve())
    elif args.command == "clerk":
        clerk(Path(args.work), Path(args.stop), Path(args.ready), Path(args.out), args.interval)
    else:
        clean = "-clean" if args.mode == "all" else ""
        args.sheet = args.sheet or str(OUT / f"craftsmen-{args.rows // 1000}k{clean}.xlsx")
        print(json.dumps(run(args), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
