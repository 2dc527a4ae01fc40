"""The shared matching index at 100,000 craftsmen: per-process index versus the mapped snapshot.

    .venv/bin/python bench/matching_shared_index.py [--experts 100000] [--readers 3] [--queries 200]

No database and no sentence model: synthetic craftsmen (about 4 evidence items each, texts drawn
from the GB/T 4754 industry and 2022 occupation names plus service phrases) with random unit
vectors standing in for the item vectors the platform reads from ``CraftsmanEmbedding`` (the
builder never encodes what is stored). Steps, each figure printed and written to
``bench/out/matching_shared_index.json``:

1. **Per-process index (before)**: one process builds ``MatchIndex`` as every web process used to,
   then answers ``--queries`` top-10 rankings; memory before and after (VmRSS, and PSS/USS from
   ``/proc/self/smaps_rollup``).
2. **Snapshot**: the same process writes it (``engine.snapshot.write_index``); seconds and size.
3. **Readers (after)**: ``--readers`` processes start together, map the snapshot, answer the same
   queries and report memory while all of them are alive (so PSS shows the sharing).
4. **Edit to visible**: one craftsman's profile changes; the builder appends a segment and
   publishes a generation; a reader polling ``CURRENT`` finds the craftsman ranked first.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jiangqiao.matching.engine import (  # noqa: E402
    DEFAULT,
    Evidence,
    Expert,
    Filters,
    HashEncoder,
    MatchIndex,
    Query,
    load_vocabulary,
)
from jiangqiao.matching.engine import snapshot as snap  # noqa: E402

OUT = ROOT / "bench" / "out"
DIM = 512
PHRASES = [
    "现场指导",
    "故障诊断",
    "工艺改进",
    "技能培训",
    "质量攻关",
    "设备维修",
    "技术革新",
    "安全生产",
]
REGIONS = ["440305", "440106", "440303", "440111", "441900", "440604", "445102", "440402"]


def memory() -> dict[str, float]:
    """VmRSS, PSS and USS (private clean + dirty) of this process in MB."""
    out: dict[str, float] = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                out["rss_mb"] = int(line.split()[1]) / 1024
    private = 0
    with open("/proc/self/smaps_rollup") as fh:
        for line in fh:
            name, _, rest = line.partition(":")
            if name == "Pss":
                out["pss_mb"] = int(rest.split()[0]) / 1024
            if name in ("Private_Clean", "Private_Dirty"):
                private += int(rest.split()[0])
    out["uss_mb"] = private / 1024
    return {k: round(v, 1) for k, v in out.items()}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def synthetic(n: int, seed: int = 2026) -> tuple[list[Expert], dict[str, np.ndarray]]:
    vocab = load_vocabulary()
    rng = random.Random(seed)
    industries = [c for c in vocab.industries if len(c) == 4]
    occupations = list(vocab.occupations.values())
    names = list(vocab.industries.values())
    vec = np.random.default_rng(seed)
    experts: list[Expert] = []
    vectors: dict[str, np.ndarray] = {}
    for i in range(n):
        own = rng.sample(occupations, 3)
        trade = rng.choice(names)
        evidence = [
            Evidence("expertise", f"{own[0]}、{own[1]}", f"{own[0]}、{own[1]}"),
            Evidence(
                "profile", f"从事{trade}{rng.randint(5, 30)}年，擅长{own[2]}与{rng.choice(PHRASES)}"
            ),
        ]
        for _ in range(rng.choice((1, 2, 2, 3))):
            title = f"{rng.choice(occupations)}{rng.choice(PHRASES)}"
            evidence.append(
                Evidence("service_item", f"{title} {rng.choice(names)}企业可预约", title)
            )
        code = rng.choice(industries)
        experts.append(
            Expert(
                id=str(i + 1),
                name=f"工匠{i + 1}",
                evidence=evidence,
                industries=[code],
                region=rng.choice(REGIONS),
                regions_served=[rng.choice(REGIONS)],
                skill_level=rng.randint(1, 5),
                capacity=rng.randint(0, 4),
                modes=["现场指导"] if i % 3 else ["线上"],
                employer_uscc=f"91440300MA{i % 5000:08d}",
                solved=rng.randint(0, 30),
                rating=round(rng.uniform(3, 5), 1) if i % 2 else None,
            )
        )
        v = vec.standard_normal((len(evidence), DIM)).astype(np.float32)
        vectors[str(i + 1)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return experts, vectors


def queries(experts: list[Expert], count: int, seed: int = 7) -> list[tuple[Query, np.ndarray]]:
    rng = random.Random(seed)
    vec = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        e = rng.choice(experts)
        q = Query(
            id="q",
            title=e.evidence[0].text.split("、")[0] + "问题",
            description=e.evidence[-1].text,
            industries=list(e.industries),
            region=rng.choice(REGIONS),
            onsite=True,
        )
        v = vec.standard_normal(DIM).astype(np.float32)
        out.append((q, v / np.linalg.norm(v)))
    return out


def timed_queries(index: MatchIndex, qs: list[tuple[Query, np.ndarray]]) -> dict[str, Any]:
    vocab = index.vocab
    result: dict[str, Any] = {}
    for case, make in (
        (
            "filtered",
            lambda q: Filters(
                industries=[vocab.industry_path(q.industries[0])[1]], need_capacity=True
            ),
        ),
        ("unfiltered", lambda q: None),
    ):
        times = []
        for i, (q, v) in enumerate(qs):
            t = time.perf_counter()
            index.rank(q, 10, filters=make(q), query_vector=v)
            if i >= 10:  # the first ten warm up
                times.append((time.perf_counter() - t) * 1000)
        result[case] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1),
        }
    return result


def reader(args: argparse.Namespace) -> int:
    """One web-like process: map the snapshot, rank, report memory while the others are alive."""
    root = Path(args.root)
    work = Path(args.work)
    vocab = load_vocabulary()
    MatchIndex(HashEncoder(), vocab, DEFAULT)  # the tokenizer, as a web process has it loaded
    base = memory()
    t = time.perf_counter()
    name = snap.current(root)
    index = snap.open_index(
        root, root / "generations" / str(name) / "experts", encoder=HashEncoder(), vocab=vocab
    )
    opened = time.perf_counter() - t
    qs = queries_from_file(work / "queries.json")
    first = timed_queries(index, qs)  # pages not yet in this process's page tables
    again = timed_queries(index, qs)
    result = {
        "open_ms": round(opened * 1000, 1),
        "before_open": base,
        "latency_first_pass": first,
        "latency": again,
        "after_queries": memory(),
    }
    (work / f"ready-{args.reader}").touch()
    # Measured again once every reader is alive and has ranked: PSS splits the shared pages.
    wait_for(work / "release")
    result["all_alive"] = memory()
    (work / f"result-{args.reader}.json").write_text(json.dumps(result), encoding="utf-8")
    wait_for(work / "exit")
    return 0


def wait_for(path: Path, limit: float = 1800) -> None:
    deadline = time.time() + limit
    while not path.exists():
        if time.time() > deadline:
            raise TimeoutError(path)
        time.sleep(0.2)


def queries_to_file(qs: list[tuple[Query, np.ndarray]], path: Path) -> None:
    rows = [{"query": q.__dict__, "vector": v.tolist()} for q, v in qs]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def queries_from_file(path: Path) -> list[tuple[Query, np.ndarray]]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [(Query(**r["query"]), np.array(r["vector"], dtype=np.float32)) for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--root", default="")
    parser.add_argument("--reader", type=int, default=-1, help=argparse.SUPPRESS)
    parser.add_argument("--work", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reader >= 0:
        return reader(args)

    results: dict[str, Any] = {"cpu_count": os.cpu_count(), "experts": args.experts}
    root = Path(args.root or tempfile.mkdtemp(prefix="jq-shared-index-"))
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="jq-shared-bench-"))

    # 1. The per-process index, as every web process built it before.
    vocab = load_vocabulary()
    MatchIndex(HashEncoder(), vocab, DEFAULT)
    before_build = memory()
    experts, vectors = synthetic(args.experts)
    qs = queries(experts, args.queries + 10)
    queries_to_file(qs, work / "queries.json")
    t = time.perf_counter()
    index = MatchIndex(HashEncoder(), vocab, DEFAULT)
    index.add(experts, embeddings=vectors)
    build_s = time.perf_counter() - t
    del vectors, experts
    results["per_process"] = {
        "items": index.live_items,
        "words": len(index.words),
        "grams": len(index.grams),
        "build_s": round(build_s, 1),
        "memory_before_build": before_build,
        "latency": timed_queries(index, qs),
        "memory_after_queries": memory(),
    }
    print("per-process index:", json.dumps(results["per_process"]), flush=True)

    # 2. The snapshot.
    t = time.perf_counter()
    name, tmp = snap.new_generation(root)
    snap.write_index(index, root, tmp / "experts")
    snap.publish(root, name, tmp)
    write_s = time.perf_counter() - t
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    results["snapshot"] = {"write_s": round(write_s, 1), "disk_mb": round(size / 2**20)}
    print("snapshot:", results["snapshot"], flush=True)

    # 3. Readers, started one after another (each ranks alone), then all alive together.
    procs = []
    for r in range(args.readers):
        command = [sys.executable, __file__, "--reader", str(r), "--root", str(root)]
        procs.append(subprocess.Popen([*command, "--work", str(work)]))  # noqa: S603 — ours
        wait_for(work / f"ready-{r}")
    (work / "release").touch()
    for r in range(args.readers):
        wait_for(work / f"result-{r}.json")
    (work / "exit").touch()
    for p in procs:
        p.wait()
    results["readers"] = [
        json.loads((work / f"result-{r}.json").read_text(encoding="utf-8"))
        for r in range(args.readers)
    ]
    for i, r in enumerate(results["readers"]):
        print(f"reader {i}:", json.dumps(r), flush=True)

    # 4. Edit to visible: the builder appends a segment and publishes; a reader polls CURRENT.
    chosen = str(min(4242, args.experts))
    target = index.experts[index.position[chosen]]
    edited = Expert(
        **{**target.__dict__, "evidence": [Evidence("expertise", "激光切割机光路精度调校")]}
    )
    query = Query(id="edit", title="激光切割机精度调校", description="激光切割机光路偏移")
    reader_index = snap.open_index(
        root, root / "generations" / name / "experts", encoder=HashEncoder(), vocab=vocab
    )
    t0 = time.perf_counter()
    index.add([edited])
    appended = time.perf_counter() - t0
    new_name, tmp = snap.new_generation(root)
    snap.write_index(index, root, tmp / "experts")
    snap.publish(root, new_name, tmp)
    published = time.perf_counter() - t0
    seen = snap.current(root)
    t1 = time.perf_counter()
    reader_index = snap.open_index(
        root, root / "generations" / str(seen) / "experts", encoder=HashEncoder(), vocab=vocab
    )
    reopen = time.perf_counter() - t1
    top = reader_index.rank(query, 1)[0].expert.id
    results["edit"] = {
        "append_segment_ms": round(appended * 1000, 1),
        "append_and_publish_s": round(published, 2),
        "reader_reopen_ms": round(reopen * 1000, 1),
        "edited_is_first": top == chosen,
        "new_segment_disk_kb": round(
            sum(p.stat().st_size for p in (root / "segments" / index.segments[-1].uid).rglob("*"))
            / 1024
        ),
    }
    print("edit:", results["edit"], flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "matching_shared_index.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    if not args.root:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
