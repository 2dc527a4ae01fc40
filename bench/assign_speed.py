"""Speed of the constrained assignment (``jiangqiao.matching.engine.assign``).

Generates a seeded random instance — by default 10,000 demands × 50,000 craftsmen, the top 50
candidates of each demand, capacities 1–3, teams of 1–4, conflicts of interest (same employer,
declared, declined), some pinned offers, "at least one 技师" / honour requirements — and times
``assign()`` (median of N runs, everything included: validation, model, HiGHS, explanations).

Then checks optimality on a smaller instance of the same kind (default 500 × 2,500) and on
``--checks`` more (alternately plain, and scarce with 1/5 of the experts so that most take the MILP
path) against an exact MILP written independently here: all edges at once (no column generation),
lexicographic objective solved in two stages (maximum coverage first, then maximum weight at that
coverage) instead of a coverage bonus.  Results go to ``bench/out/assign_speed.json``.

    .venv/bin/python bench/assign_speed.py
    .venv/bin/python bench/assign_speed.py --scarce   # requirements competing for few seniors
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jiangqiao.matching.engine.assign import (  # noqa: E402
    Candidate,
    DemandSpec,
    ExpertSpec,
    assign,
    region_relation,
)

REGION_FACTORS = {"county": 1.0, "city": 0.5, "province": 0.25}


def generate(
    n_demands: int, n_experts: int, k: int, seed: int, *, scarce: bool = False
) -> tuple[list[DemandSpec], list[ExpertSpec], list[Candidate]]:
    """A random instance; ``scarce`` makes 40 % of demands require one of the 5 % 高级技师."""
    rng = np.random.default_rng(seed)
    provinces = rng.choice(np.arange(11, 66), 25, replace=False)
    counties = [
        f"{p:02d}{c:02d}{t:02d}" for p in provinces for c in range(1, 5) for t in range(1, 4)
    ]
    n_firms = max(n_demands // 2, 1)
    firms = [f"91440300MA{n:08d}" for n in range(n_firms)]
    industries = ["C34", "C35", "C38", "C39", "E47", "I65", "M74"]

    e_region = rng.integers(0, len(counties), n_experts)
    e_firm = rng.integers(0, n_firms * 4, n_experts)  # most experts work elsewhere
    if scarce:
        e_rank = rng.choice([1, 2, 3, 4, 5], n_experts, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    else:
        e_rank = rng.choice([1, 2, 3, 4, 5], n_experts, p=[0.15, 0.3, 0.3, 0.17, 0.08])
    e_cap = rng.integers(1, 4, n_experts)
    honoured = rng.random(n_experts) < 0.1

    d_region = rng.integers(0, len(counties), n_demands)
    d_firm = rng.integers(0, n_firms, n_demands)
    min_team = rng.choice([1, 1, 1, 2, 2, 3], n_demands)
    max_team = np.minimum(min_team + rng.integers(0, 2, n_demands), 4)

    # Candidates: half from the demand's province, the rest anywhere; scores decrease with rank.
    by_province: dict[str, np.ndarray] = {}
    for p in provinces:
        code = f"{p:02d}"
        mask = np.array([counties[r][:2] == code for r in e_region])
        by_province[code] = np.flatnonzero(mask)
    # Some craftsmen are popular (they rank high for many demands): capacity really binds.
    popularity = rng.pareto(1.5, n_experts) + 1.0
    popular = rng.choice(n_experts, (n_demands, 2 * k), p=popularity / popularity.sum())
    candidates: list[Candidate] = []
    cand_sets: list[np.ndarray] = []
    for i in range(n_demands):
        local = by_province[counties[d_region[i]][:2]]
        near: np.ndarray = (
            rng.choice(local, min(k // 2, local.size), replace=False)
            if local.size
            else np.zeros(0, np.int64)
        )
        pool = np.unique(np.concatenate([near, popular[i]]))
        chosen = rng.permutation(pool)[:k]
        cand_sets.append(chosen)
        scores = np.sort(rng.uniform(0.2, 1.0, chosen.size))[::-1]
        candidates.extend(
            Candidate(f"D{i}", f"E{j}", round(float(s), 4))
            for j, s in zip(chosen.tolist(), scores.tolist(), strict=True)
        )
    # Same-employer conflicts: 2 % of demands have a candidate from their own firm.
    for i in np.flatnonzero(rng.random(n_demands) < 0.02).tolist():
        e_firm[int(cand_sets[i][0])] = int(d_firm[i])

    conflicts: dict[int, list[str]] = {}
    for j in rng.choice(n_experts, n_experts // 100, replace=False):
        conflicts[int(j)] = [f"D{int(x)}" for x in rng.integers(0, n_demands, 2)]

    demands = []
    for i in range(n_demands):
        needs_rank = rng.random() < (0.4 if scarce else 0.1)
        needs_honour = not scarce and rng.random() < 0.03
        cands_i = cand_sets[i]
        excluded = tuple(f"E{j}" for j in cands_i[1:2]) if rng.random() < 0.02 else ()
        pinned: tuple[str, ...] = ()
        if not needs_rank and not needs_honour and rng.random() < 0.01:
            pinned = (f"E{cands_i[-1]}",)
        demands.append(
            DemandSpec(
                id=f"D{i}",
                min_team=int(min_team[i]),
                max_team=int(max_team[i]),
                employer_uscc=firms[d_firm[i]],
                region=counties[d_region[i]],
                industries=(industries[i % len(industries)],),
                min_skill_rank=(5 if scarce else 4) if needs_rank else None,
                required_honour="QGLM" if needs_honour else None,
                pinned=pinned,
                excluded=excluded,
            )
        )
    experts = [
        ExpertSpec(
            id=f"E{j}",
            capacity=int(e_cap[j]),
            employer_uscc=f"91440300MA{int(e_firm[j]):08d}",
            region=counties[e_region[j]],
            skill_rank=int(e_rank[j]),
            honours=("QGLM",) if honoured[j] else (),
            conflicts=tuple(conflicts.get(j, ())),
        )
        for j in range(n_experts)
    ]
    # Pins must not overload anybody: drop those whose expert is pinned too often.
    load: dict[str, int] = {}
    cap = {e.id: e.capacity for e in experts}
    cleaned = []
    for d in demands:
        keep = []
        for e in d.pinned:
            if load.get(e, 0) < cap[e] and e not in d.excluded:
                load[e] = load.get(e, 0) + 1
                keep.append(e)
        cleaned.append(replace(d, pinned=tuple(keep)))
    return cleaned, experts, candidates


def reference(
    demands: list[DemandSpec],
    experts: list[ExpertSpec],
    candidates: list[Candidate],
    region_bonus: float = 0.1,
) -> tuple[int, float, float]:
    """Exact lexicographic optimum (coverage, weight) by two plain MILPs over all edges."""
    t0 = time.perf_counter()
    dix = {d.id: i for i, d in enumerate(demands)}
    eix = {e.id: j for j, e in enumerate(experts)}
    edges: list[tuple[int, int, float, bool]] = []
    cand = {(c.demand, c.expert): c.score for c in candidates}
    for d in demands:
        for pin in d.pinned:
            cand.setdefault((d.id, pin), 0.0)
    for (d_id, e_id), score in cand.items():
        d, ex = demands[dix[d_id]], experts[eix[e_id]]
        if d.employer_uscc and d.employer_uscc == ex.employer_uscc:
            continue
        if d_id in ex.conflicts or e_id in d.excluded or ex.capacity == 0:
            continue
        rel = region_relation(d.region, ex.region)
        bonus = region_bonus * REGION_FACTORS[rel] if rel else 0.0
        edges.append((dix[d_id], eix[e_id], score + bonus, e_id in d.pinned))
    n, nd = len(edges), len(demands)
    req = [i for i, d in enumerate(demands) if d.min_skill_rank is not None or d.required_honour]
    ny = len(req)
    yk = {i: k for k, i in enumerate(req)}
    # variables: x (n), c (nd), y (ny)
    nv = n + nd + ny
    rows, cols, vals, ub = [], [], [], []
    lb: list[float] = []
    r = 0
    team: dict[int, list[int]] = {}
    for k, (i, _, _, _) in enumerate(edges):
        team.setdefault(i, []).append(k)
    for i, d in enumerate(demands):
        ks = team.get(i, [])
        # Σx ≤ max_team (·y)
        rows += [r] * len(ks)
        cols += ks
        vals += [1.0] * len(ks)
        if i in yk:
            rows.append(r)
            cols.append(n + nd + yk[i])
            vals.append(-float(d.max_team))
            lb.append(-np.inf)
            ub.append(0.0)
        else:
            lb.append(-np.inf)
            ub.append(float(d.max_team))
        r += 1
        # c ≤ Σx
        rows += [r] * len(ks) + [r]
        cols += [*ks, n + i]
        vals += [-1.0] * len(ks) + [1.0]
        lb.append(-np.inf)
        ub.append(0.0)
        r += 1
        if i in yk:
            rows += [r, r]
            cols += [n + i, n + nd + yk[i]]
            vals += [1.0, -float(d.min_team)]
            lb.append(-np.inf)
            ub.append(0.0)
            r += 1
            checks = []
            if d.min_skill_rank is not None:
                checks.append(
                    lambda j, d=d: (experts[j].skill_rank or -(10**9)) >= d.min_skill_rank
                )
            if d.required_honour:
                checks.append(lambda j, d=d: d.required_honour in experts[j].honours)
            for check in checks:
                qs = [k for k in ks if check(edges[k][1])]
                rows += [r] * len(qs) + [r]
                cols += [*qs, n + nd + yk[i]]
                vals += [1.0] * len(qs) + [-1.0]
                lb.append(0.0)
                ub.append(np.inf)
                r += 1
    by_expert: dict[int, list[int]] = {}
    for k, (_, j, _, _) in enumerate(edges):
        by_expert.setdefault(j, []).append(k)
    for j, ks in by_expert.items():
        rows += [r] * len(ks)
        cols += ks
        vals += [1.0] * len(ks)
        lb.append(-np.inf)
        ub.append(float(experts[j].capacity))
        r += 1
    a = sp.csr_matrix((vals, (rows, cols)), shape=(r, nv))
    vlo = np.concatenate([[1.0 if edge[3] else 0.0 for edge in edges], np.zeros(nd + ny)])
    vhi = np.concatenate([np.ones(n), [float(d.min_team) for d in demands], np.ones(ny)])
    integ = np.concatenate([np.ones(n), np.zeros(nd), np.ones(ny)])
    w = np.array([edge[2] for edge in edges])
    # HiGHS presolve has wrongly declared such models infeasible; run without it.
    opts = {"mip_rel_gap": 0.0, "presolve": False}
    # Stage 1: maximum coverage.
    c1 = -np.concatenate([np.zeros(n), np.ones(nd), np.zeros(ny)])
    s1 = milp(
        c1,
        integrality=integ,
        bounds=Bounds(vlo, vhi),
        constraints=LinearConstraint(a, lb, ub),
        options=opts,
    )
    coverage = round(-s1.fun)
    # Stage 2: maximum weight at that coverage.
    cover_row = sp.csr_matrix((np.ones(nd), (np.zeros(nd, int), n + np.arange(nd))), shape=(1, nv))
    c2 = -np.concatenate([w, np.zeros(nd + ny)])
    s2 = milp(
        c2,
        integrality=integ,
        bounds=Bounds(vlo, vhi),
        constraints=[
            LinearConstraint(a, lb, ub),
            LinearConstraint(cover_row, coverage - 1e-6, np.inf),
        ],
        options=opts,
    )
    # Sum the weights of the chosen edges (HiGHS' objective includes tolerance-sized slop).
    weight = float(w[np.asarray(s2.x)[:n] > 0.5].sum())
    return coverage, weight, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demands", type=int, default=10_000)
    parser.add_argument("--experts", type=int, default=50_000)
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--small-demands", type=int, default=500)
    parser.add_argument("--small-experts", type=int, default=2_500)
    parser.add_argument("--checks", type=int, default=10, help="extra small instances to compare")
    parser.add_argument("--scarce", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "assign_speed.json"))
    args = parser.parse_args()

    t0 = time.perf_counter()
    demands, experts, candidates = generate(
        args.demands, args.experts, args.top, args.seed, scarce=args.scarce
    )
    gen_s = time.perf_counter() - t0
    print(
        f"instance: {len(demands):,} demands × {len(experts):,} experts, "
        f"{len(candidates):,} candidate edges (generated in {gen_s:.1f} s)"
    )
    times = []
    result = None
    for run in range(args.runs):
        t = time.perf_counter()
        result = assign(demands, experts, candidates)
        times.append(time.perf_counter() - t)
        print(f"  run {run + 1}: {times[-1]:.2f} s")
    assert result is not None
    counts = result.counts()
    info = result.solver
    print(
        f"assign(): median {statistics.median(times):.2f} s; method {info.method}, "
        f"optimal {info.optimal}, {info.pricing_rounds} pricing rounds, "
        f"{info.columns:,} of {info.edges:,} edges in the model, {info.milp_solves} MILP solves"
    )
    print(
        f"  objective {result.objective:.4f}, LP bound {info.lp_bound:.4f}, coverage "
        f"{result.coverage:,}, pairs {len(result.pairs):,}; {counts}"
    )

    # Optimality: the small instance of the same kind, then more seeds alternating plain and
    # scarce instances (scarce ones with fewer experts, so that some go through the MILP path).
    comparisons: list[dict[str, Any]] = []
    for k in range(1 + args.checks):
        scarce = args.scarce if k == 0 else k % 2 == 0
        n_experts = args.small_experts if not scarce or k == 0 else args.small_experts // 5
        small_d, small_e, small_c = generate(
            args.small_demands, n_experts, args.top, args.seed + 1 + k, scarce=scarce
        )
        t = time.perf_counter()
        small = assign(small_d, small_e, small_c)
        small_s = time.perf_counter() - t
        ref_cov, ref_w, ref_s = reference(small_d, small_e, small_c)
        same = small.coverage == ref_cov and abs(small.objective - ref_w) <= 1e-6
        print(
            f"small {len(small_d)} × {len(small_e)}{' scarce' if scarce else ''} "
            f"({len(small_c):,} edges): assign() coverage {small.coverage}, objective "
            f"{small.objective:.6f} in {small_s:.2f} s ({small.solver.method}); exact MILP "
            f"coverage {ref_cov}, objective {ref_w:.6f} in {ref_s:.2f} s -> "
            f"{'identical' if same else 'DIFFERENT'}"
        )
        comparisons.append(
            {
                "demands": len(small_d),
                "experts": len(small_e),
                "scarce": scarce,
                "edges": len(small_c),
                "assign": {
                    "coverage": small.coverage,
                    "objective": small.objective,
                    "seconds": small_s,
                    "solver": small.solver.as_dict(),
                },
                "exact_milp": {"coverage": ref_cov, "objective": ref_w, "seconds": ref_s},
                "identical": same,
            }
        )
    all_same = all(c["identical"] for c in comparisons)
    via_milp = sum(c["assign"]["solver"]["method"] == "milp" for c in comparisons)
    print(
        f"{len(comparisons)} comparisons with the exact MILP, {via_milp} through the MILP path: "
        f"{'all identical' if all_same else 'SOME DIFFER'}"
    )

    out: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "args": vars(args),
        "large": {
            "demands": len(demands),
            "experts": len(experts),
            "edges": len(candidates),
            "seconds": times,
            "median_s": statistics.median(times),
            "solver": info.as_dict(),
            "objective": result.objective,
            "coverage": result.coverage,
            "pairs": len(result.pairs),
            "counts": counts,
        },
        "comparisons": comparisons,
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written to {path}")
    if not all_same:
        sys.exit(1)


if __name__ == "__main__":
    main()
