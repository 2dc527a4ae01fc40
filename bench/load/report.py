"""Summarise a load run's output directory (bench/load/run.sh) as Markdown for docs/performance.md.

    .venv/bin/python bench/load/report.py var/load/<time>

Prints one row per page (requests, failures, p50, p95, p99 in ms, requests/s), the total, the
failures by cause and the 1-minute load average during the run (median, max).
"""

from __future__ import annotations

import csv
import statistics
import sys
from pathlib import Path


def main(out: Path) -> None:
    rows = list(csv.DictReader((out / "locust_stats.csv").open(encoding="utf-8")))
    print("| page | requests | failures | p50 ms | p95 ms | p99 ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Type"], r["Name"])):
        name = "**total**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | "
            f"{row['95%']} | {row['99%']} | {float(row['Requests/s']):.2f} |"
        )
    failures = out / "locust_failures.csv"
    if failures.exists():
        lines = list(csv.DictReader(failures.open(encoding="utf-8")))
        print(f"\nfailures: {sum(int(r['Occurrences']) for r in lines)}")
        for r in lines:
            print(f"- {r['Method']} {r['Name']}: {r['Error']} × {r['Occurrences']}")
    loads = []
    for line in (out / "loadavg.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) > 1:
            loads.append(float(parts[1]))
    if loads:
        print(
            f"\nload average (1 min) during the run: median {statistics.median(loads):.2f}, "
            f"max {max(loads):.2f} ({len(loads)} samples, 2 cores)"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
