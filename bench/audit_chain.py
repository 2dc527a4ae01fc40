"""What the audit-log hash chain costs per write, and how fast ``audit_verify`` walks (issue 17.2).

On PostgreSQL, in a fresh database ``bench_audit`` (dropped and migrated on each run):

* median and p95 of one append (autocommit, as a login or a single service write) of a login-log
  row and of a change-log row with a ~1 KB snapshot, chained (``objects.create``: the insert with
  its row MAC, then the seal after the commit) and, as the baseline, the same INSERT without the
  chain (``Model.save`` of the plain model);
* the same inside one service transaction (the seal runs once, after the commit: timed apart);
* the sealer's rate over rows written and left unsealed;
* ``--threads`` writers appending login rows at once: total appends per second, chain still valid;
* the verifier's walk over the login log (rows per second).

    .venv/bin/python bench/audit_chain.py --n 2000 --threads 4
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "bench_audit"


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")


def _setup() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _times(func: Any, n: int) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        func(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _line(label: str, ms: list[float]) -> str:
    p95 = statistics.quantiles(ms, n=20)[18]
    return f"{label:<42} median {statistics.median(ms):6.3f} ms   p95 {p95:6.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    _fresh_database()
    _setup()
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections, models, transaction

    from jiangqiao.accounts.models import LoginLog
    from jiangqiao.core import auditchain
    from jiangqiao.core.models import ChangeLog

    ct = ContentType.objects.get_for_model(LoginLog)
    snapshot = {f"field_{i}": f"值{i}" * 6 for i in range(40)}

    def login(i: int) -> LoginLog:
        return LoginLog(username=f"user{i}", status="success", ip="10.0.0.1", user_agent="bench")

    def change(i: int) -> ChangeLog:
        return ChangeLog(
            user_name="bench",
            source="web",
            action="update",
            content_type=ct,
            object_id=str(i),
            object_repr=f"对象 {i}",
            prechange_data=snapshot,
            postchange_data={**snapshot, "field_0": i},
        )

    plain = models.Model.save
    results = []
    for label, make in (("login log", login), ("change log (~1 KB snapshot)", change)):
        _times(lambda i, m=make: m(i).save(), 50)  # warm-up
        base = _times(lambda i, m=make: plain(m(i)), args.n)
        # The baseline rows are not in the chain: remove them before the chained ones.
        type(make(0))._default_manager.filter(chain_seq__isnull=True, row_mac="").delete()
        chained = _times(lambda i, m=make: m(i).save(), args.n)
        results.append(_line(f"{label}: INSERT without chain", base))
        results.append(_line(f"{label}: chained append", chained))
        extra = statistics.median(chained) - statistics.median(base)
        results.append(f"{'':<42} extra per append {extra:6.3f} ms")
        # Inside a service's transaction (no commit per row): only the row MAC is added; the
        # seal of all of them runs once, after the commit.
        with transaction.atomic():
            base = _times(lambda i, m=make: plain(m(i)), args.n)
        # The baseline rows are not in the chain: remove them before the chained ones.
        type(make(0))._default_manager.filter(chain_seq__isnull=True).delete()
        with transaction.atomic():
            chained = _times(lambda i, m=make: m(i).save(), args.n)
            t = time.perf_counter()
        commit_and_seal = time.perf_counter() - t
        results.append(_line(f"{label}: in a transaction, without chain", base))
        results.append(_line(f"{label}: in a transaction, chained", chained))
        extra = statistics.median(chained) - statistics.median(base)
        results.append(f"{'':<42} extra per append {extra:6.3f} ms")
        results.append(
            f"{'':<42} commit + seal of the {args.n} rows after it {commit_and_seal * 1000:.0f} ms"
        )
        # The sealer on its own: rows written (with their MAC) and left unsealed, then sealed.
        model = type(make(0))
        log = model.chain_name
        rows = [make(i) for i in range(args.n)]
        for row in rows:
            row.row_mac = auditchain.row_mac(
                log, auditchain.canonical_bytes(auditchain.instance_content(row))
            )
        model._default_manager.bulk_create(rows, batch_size=500)
        t = time.perf_counter()
        done = auditchain.seal(log)
        elapsed = time.perf_counter() - t
        results.append(
            f"{label}: seal {done.sealed} unsealed rows in {elapsed:.2f} s "
            f"({done.sealed / elapsed:,.0f} rows/s)"
        )

    per_thread = args.n // args.threads

    def writer(k: int, chained: bool) -> None:
        try:
            for i in range(per_thread):
                row = LoginLog(username=f"t{k}-{i}", status="success")
                row.save() if chained else plain(row)
        finally:
            connections.close_all()

    for with_chain in (False, True):
        # The baseline rows have no row MAC: out of the way before the sealers run.
        LoginLog.objects.filter(chain_seq__isnull=True, row_mac="").delete()
        threads = [
            threading.Thread(target=writer, args=(k, with_chain)) for k in range(args.threads)
        ]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
        results.append(
            f"{args.threads} threads × {per_thread} login appends "
            f"{'chained' if with_chain else 'without chain'}: {elapsed:.2f} s, "
            f"{args.threads * per_thread / elapsed:.0f} appends/s"
        )
    LoginLog.objects.filter(chain_seq__isnull=True, row_mac="").delete()
    unsealed = LoginLog.objects.filter(chain_seq__isnull=True).count()
    results.append(f"unsealed login rows after the writers: {unsealed}")
    total = LoginLog.objects.count()
    t = time.perf_counter()
    report = auditchain.verify("login")
    walk = time.perf_counter() - t
    results.append(
        f"verify login log: {total} rows in {walk:.2f} s ({total / walk:,.0f} rows/s), "
        f"{'OK' if report.ok else 'BROKEN: ' + report.problems[0].message}"
    )
    t = time.perf_counter()
    report = auditchain.verify("change")
    walk = time.perf_counter() - t
    rows = ChangeLog.objects.count()
    results.append(
        f"verify change log: {rows} rows in {walk:.2f} s ({rows / walk:,.0f} rows/s), "
        f"{'OK' if report.ok else 'BROKEN'}"
    )
    print("\n".join(results))


if __name__ == "__main__":
    main()
