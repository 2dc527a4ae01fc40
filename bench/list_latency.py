"""List latency on the large demo set: page and API, three filters, page 1 of 20.

Requests go through the whole Django stack in-process (middleware, auth, data scope, filters, ORM,
template or serializer) with the test client, so the figure is server time without network. Each
request varies the text query over a fixed list so caches cannot answer for the database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from jiangqiao.accounts.models import User  # noqa: E402

QUERIES = ["质量", "设备", "培训", "节能", "工艺", "安全", "数字化", "故障", "焊接", "检测"]
PLAN_KEYS = ["质量", "数控"]
CASES: list[tuple[str, str, dict[str, str]]] = [
    ("demand page", "/demands/", {"industry": "C", "region": "440300"}),
    ("demand API", "/api/v1/demands/demands/", {"industry": "C", "region": "440300"}),
    ("craftsman page", "/talents/craftsmen/", {"industry": "C", "region": "440000"}),
    ("craftsman API", "/api/v1/talents/craftsmen/", {"industry": "C", "region": "440000"}),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def explain(sql: str, params: tuple) -> str:
    with connection.cursor() as cur:
        # The captured SQL has its parameters inlined: run it without parameters so that a
        # literal "%" (LIKE patterns) is not taken for a placeholder.
        prefix = (
            "EXPLAIN (ANALYZE, BUFFERS) "
            if connection.vendor == "postgresql"
            else "EXPLAIN QUERY PLAN "
        )
        cur.execute(prefix + sql, params or None)
        return "\n".join(
            str(row[-1] if connection.vendor != "postgresql" else row[0]) for row in cur.fetchall()
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--user", default="gd_taskforce", help="a province-level account")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "list_latency.json"))
    args = parser.parse_args()

    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    results = {}
    for name, path, params in CASES:
        timings = []
        statuses = set()
        for i in range(args.requests + 5):
            query: dict[str, str | int] = {**params, "q": QUERIES[i % len(QUERIES)], "page": 1}
            started = time.perf_counter()
            response = client.get(path, query)
            elapsed = (time.perf_counter() - started) * 1000
            statuses.add(response.status_code)
            if i >= 5:  # warm-up requests are not counted
                timings.append(elapsed)
        plans = {}
        for key in PLAN_KEYS:  # a common key (LIKE in index order) and a rare one (n-gram index)
            with CaptureQueriesContext(connection) as ctx:
                plan_query: dict[str, str | int] = {**params, "q": key, "page": 1}
                client.get(path, plan_query)
            slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
            plans[key] = {"sql": slowest["sql"], "plan": explain(slowest["sql"], ())}
        results[name] = {
            "path": path,
            "params": params,
            "requests": len(timings),
            "status": sorted(statuses),
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 95), 1),
            "queries": len(ctx.captured_queries),
            "slowest_query_plans": plans,
        }
        print(
            f"{name:16} median {results[name]['median_ms']:7.1f} ms  p95 {results[name]['p95_ms']:7.1f} ms"
            f"  ({len(ctx.captured_queries)} queries, status {sorted(statuses)})"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"details: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
