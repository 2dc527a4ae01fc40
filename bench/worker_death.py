"""Does the task worker outlive "database is locked"? (issue 12, item 7; a reproduction, not a test)

A real worker process on a copy of a SQLite database that holds 20,000+ craftsmen (the one
``bench/write_lock.py run`` leaves in ``bench/out/lock-work.sqlite3``), a clerk process editing
every 0.3 s (``write_lock.py clerk``), and ``--exports`` export jobs of the craftsman list enqueued
on the database backend, as the jobs page does. The script waits up to ``--timeout`` seconds and
reports every job's status, the task rows' statuses and whether the worker process is alive.

    .venv/bin/python bench/worker_death.py --worker task_worker            # this code
    .venv/bin/python bench/worker_death.py --worker db_worker --reload     # as make run started it before

Before: the first export's progress UPDATE met "database is locked" (a stale read snapshot), its
failure handler too, ``jobs.execute`` raised, the worker's loop (a thread under the autoreloader)
ended while the process lived on, and the later exports stayed 排队中.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=str(OUT / "lock-work.sqlite3"))
    parser.add_argument("--worker", default="task_worker", help="task_worker or db_worker")
    parser.add_argument("--reload", action="store_true", help="run the worker under the reloader")
    parser.add_argument("--exports", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--clerk-script", default=str(ROOT / "bench" / "write_lock.py"))
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    scratch = OUT / "worker-death.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(args.db, scratch)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{scratch}",
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DJANGO_DEBUG": "True",
        "JIANGQIAO_TASK_BACKEND": "database",
        # The clerk's edits enqueue embedding refreshes: the hashed stand-in, not the real model.
        "JIANGQIAO_MATCH_ENCODER": "hash",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from jiangqiao.accounts.models import User
    from jiangqiao.core import jobs
    from jiangqiao.core.io.exporting import EXPORT_JOB
    from jiangqiao.core.models import Job

    DBTaskResult.objects.all().delete()  # an empty queue: only what this run enqueues
    connection.close()
    stop, ready, out = (OUT / f"death-clerk.{name}" for name in ("stop", "ready", "json"))
    for path in (stop, ready, out):
        path.unlink(missing_ok=True)
    clerk = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            args.clerk_script,
            "clerk",
            *("--work", str(scratch), "--stop", str(stop), "--ready", str(ready)),
            *("--out", str(out), "--interval", "0.3"),
        ],
        env=env,
    )
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "manage.py"),
            args.worker,
            *("--queue-name", "default", "--interval", "0.5", "--no-startup-delay"),
            "--reload" if args.reload else "--no-reload",
        ],
        env=env,
        cwd=ROOT,
        stdout=(OUT / "worker-death.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    while not ready.exists():
        time.sleep(0.1)
    user = User.objects.get(username="gd_taskforce")
    started = time.perf_counter()
    ids = [
        jobs.job_start(
            actor=user,
            kind=EXPORT_JOB,
            params={
                "view": "jiangqiao.talents.views.CraftsmanListView",
                "query": "",
                "format": "csv",
                "title": "劳模工匠",
            },
            title=f"导出劳模工匠 {i + 1}",
        ).pk
        for i in range(args.exports)
    ]
    connection.close()
    finished = False
    while time.perf_counter() - started < args.timeout:
        time.sleep(1)
        statuses = list(Job.objects.filter(pk__in=ids).values_list("status", flat=True))
        connection.close()
        if all(s in jobs.JOB_FINISHED for s in statuses):
            finished = True
            break
    elapsed = time.perf_counter() - started
    report = {
        "worker": args.worker + (" --reload" if args.reload else " --no-reload"),
        "all_finished": finished,
        "seconds": round(elapsed, 1),
        "jobs": [
            {"title": j.title, "status": j.status, "message": j.message[:80]}
            for j in Job.objects.filter(pk__in=ids).order_by("pk")
        ],
        "task_rows": dict(Counter(DBTaskResult.objects.values_list("status", flat=True))),
        "worker_process_alive": worker.poll() is None,
    }
    stop.touch()
    clerk.wait(timeout=60)
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
