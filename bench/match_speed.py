"""Matching speed: index build for 100,000 craftsmen and top-10 suggestions for one demand.

Input: the large demo set exported to the command line's JSON Lines format (no Django needed here):

    psql -At -h 127.0.0.1 -U postgres jq_bench -f bench/sql/export_experts.sql > bench/out/experts-100k.jsonl
    psql -At -h 127.0.0.1 -U postgres jq_bench -f bench/sql/export_queries.sql > bench/out/queries-2k.jsonl
    .venv/bin/python bench/match_speed.py [--queries 200]

Measured (single process, warm, after 10 warm-up queries):

* **index build**: parsing, tokenising, sparse matrices and encoding every evidence item with USE;
  the item vectors are then cached in bench/out/ so reruns skip the encoding (the platform keeps
  them in the database for the same reason). Both figures are printed.
* **demand encoding**: one demand text through USE, as done once when the demand is saved.
* **suggestion latency**: ``MatchIndex.rank(query, 10, filters, query_vector)`` — candidates by
  structured filters (the demand's industry 大类 subtree, experts with capacity left), the three
  text signals over the candidates' items, structured signals, fusion, top 10 with explanations.
  Also without any filter (all 100,000 experts) as the worst case.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jiangqiao.matching.engine import (  # noqa: E402
    DEFAULT,
    Filters,
    MatchIndex,
    USEEncoder,
    expert_from_dict,
    load_vocabulary,
    query_from_dict,
    why,
)

OUT = ROOT / "bench" / "out"
CHUNK = 20000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experts", default=str(OUT / "experts-100k.jsonl"))
    parser.add_argument("--queries-file", default=str(OUT / "queries-2k.jsonl"))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", default=str(OUT / "match_speed.json"))
    args = parser.parse_args()

    vocab = load_vocabulary()
    encoder = USEEncoder()
    results: dict[str, object] = {"cpu_count": os.cpu_count()}

    started = time.perf_counter()
    raw = Path(args.experts).read_bytes()
    experts = [
        expert_from_dict(json.loads(line), vocab) for line in raw.splitlines() if line.strip()
    ]
    parsed = time.perf_counter() - started
    items = [ev.text for e in experts for ev in e.evidence]
    digest = hashlib.sha256(raw).hexdigest()[:16]
    # Encoded in chunks cached under bench/out/, so an interrupted run resumes; the encoding time
    # reported is the sum of the chunks' measured times.
    cache = OUT / f"item-vectors-{digest}"
    cache.mkdir(parents=True, exist_ok=True)
    chunks = []
    encode_seconds = 0.0
    for start in range(0, len(items), CHUNK):
        path = cache / f"{start:07d}.npy"
        meta = cache / f"{start:07d}.json"
        if not path.exists():
            t = time.perf_counter()
            np.save(path, encoder.encode(items[start : start + CHUNK]))
            meta.write_text(json.dumps({"seconds": time.perf_counter() - t}))
            print(f"  encoded items {start}–{min(start + CHUNK, len(items))}", flush=True)
        encode_seconds += json.loads(meta.read_text())["seconds"]
        chunks.append(np.load(path))
    vectors = np.vstack(chunks)
    embeddings = {}
    offset = 0
    for e in experts:
        embeddings[e.id] = vectors[offset : offset + len(e.evidence)]
        offset += len(e.evidence)
    t = time.perf_counter()
    index = MatchIndex(encoder, vocab, DEFAULT)
    index.add(experts, embeddings=embeddings)
    build_seconds = time.perf_counter() - t
    results["index"] = {
        "experts": len(experts),
        "items": len(items),
        "parse_s": round(parsed, 1),
        "build_without_encoding_s": round(build_seconds, 1),
        "encoding_s": round(encode_seconds, 1),
        "encoding_items_per_s": round(len(items) / encode_seconds) if encode_seconds else None,
        "words": len(index.words),
        "grams": len(index.grams),
        "dense_mb": round(vectors.nbytes / 2**20),
    }
    print("index:", results["index"])

    queries = [
        query_from_dict(json.loads(line), vocab)
        for line in Path(args.queries_file)
        .read_text(encoding="utf-8")
        .splitlines()[: args.queries + 10]
    ]
    encode_ms = []
    query_vectors = []
    encoder.encode(["预热"])
    for q in queries:
        t = time.perf_counter()
        query_vectors.append(encoder.encode([q.text])[0])
        encode_ms.append((time.perf_counter() - t) * 1000)
    cases = {
        "filtered (industry 大类 subtree + capacity left)": lambda q: Filters(
            industries=[vocab.industry_path(q.industries[0])[1]] if q.industries else (),
            need_capacity=True,
        ),
        "unfiltered (all experts)": lambda q: None,
    }
    latency: dict[str, dict[str, float]] = {}
    for name, make_filter in cases.items():
        timings = []
        candidates = []
        for i, (q, v) in enumerate(zip(queries, query_vectors, strict=True)):
            f = make_filter(q)
            t = time.perf_counter()
            ranked = index.rank(q, 10, filters=f, query_vector=v)
            explained = [why(r, q, vocab, DEFAULT) for r in ranked]
            elapsed = (time.perf_counter() - t) * 1000
            if i >= 10:
                timings.append(elapsed)
                candidates.append(int(index.candidates(q, f).sum()))
            assert len(explained) == len(ranked)
        latency[name] = {
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 95), 1),
            "mean_candidates": round(statistics.mean(candidates)),
        }
        print(
            f"{name:50} median {latency[name]['median_ms']:6.1f} ms  p95 {latency[name]['p95_ms']:6.1f} ms"
            f"  (≈{latency[name]['mean_candidates']} candidates)"
        )
    results["latency"] = latency
    results["demand_encoding_ms"] = {
        "median": round(statistics.median(encode_ms[10:]), 1),
        "p95": round(percentile(encode_ms[10:], 95), 1),
    }
    print("demand encoding (once per save):", results["demand_encoding_ms"])
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"details: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
