"""Batch speed of the command line: 2,000 queries against 1,000 experts, model load included.

    .venv/bin/python bench/match_batch.py      # needs bench/out/experts-100k.jsonl and queries-2k.jsonl
                                               # (see bench/match_speed.py for the export commands)

Runs ``jiangqiao match rank`` as a user would (a fresh process each time, wall-clock time from
start to exit) for the default signals and for cheaper subsets, so the default is a deliberate
quality/speed choice (quality of each subset: bench/match_quality.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SCRIPT = Path(sys.executable).parent / "jiangqiao"

CONFIGS = {
    "default (all signals)": None,
    "without dense (bm25, n-gram, structured)": "bm25,ngram,industry,occupation,region,skill,mode,capacity,track_record,honour",
    "bm25 + structured": "bm25,industry,occupation,region,skill,mode,capacity,track_record,honour",
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experts", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    experts = OUT / f"batch-experts-{args.experts}.jsonl"
    queries = OUT / f"batch-queries-{args.queries}.jsonl"
    experts.write_text(
        "".join(
            (OUT / "experts-100k.jsonl")
            .read_text(encoding="utf-8")
            .splitlines(True)[: args.experts]
        ),
        encoding="utf-8",
    )
    queries.write_text(
        "".join(
            (OUT / "queries-2k.jsonl").read_text(encoding="utf-8").splitlines(True)[: args.queries]
        ),
        encoding="utf-8",
    )
    results = {}
    for name, signals in CONFIGS.items():
        out = OUT / "batch-ranking.jsonl"
        cmd = [
            str(SCRIPT),
            "match",
            "rank",
            "--experts",
            str(experts),
            "--queries",
            str(queries),
            "--top",
            "10",
            "--out",
            str(out),
        ]
        if signals:
            cmd += ["--signals", signals]
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 (our own script)
        seconds = time.perf_counter() - started
        lines = out.read_text(encoding="utf-8").splitlines()
        results[name] = {
            "seconds": round(seconds, 1),
            "exit": proc.returncode,
            "output_lines": len(lines),
        }
        print(f"{name:45} {seconds:7.1f} s  exit {proc.returncode}  {len(lines)} rankings")
        if proc.returncode:
            print(proc.stderr[-2000:])
    (OUT / "match_batch.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
