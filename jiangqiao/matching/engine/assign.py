"""Constrained assignment of craftsmen (experts) to enterprises' demands.

The ranking engine proposes, for each demand, its top-k candidate experts with a score.  This
module picks the teams: every demand gets between ``min_team`` and ``max_team`` members, no
expert works on more demands than his ``capacity``, conflicts of interest are excluded, accepted
offers stay (``pinned``), a demand that asks for it gets at least one member of a given skill rank
or honour, and experts from the demand's own region are preferred.

Model (see ``docs/assignment.md``): binary ``x[d, e]`` on the eligible candidate edges,

* maximise, lexicographically, first the *coverage* ``Σ_d min(|team_d|, min_team_d)`` (seats up to
  each demand's minimum), then the *weight* ``Σ (score + region bonus)`` of the chosen edges.
  Both are folded into one objective with a coverage bonus ``M`` larger than any weight
  difference, so the solver never trades a minimum seat for better scores;
* ``Σ_e x[d, e] ≤ max_team_d`` and ``Σ_d x[d, e] ≤ capacity_e``;
* "at least one member with skill rank ≥ r" / "holding honour h": a binary ``y_d`` (the demand is
  staffed at all) with ``Σ_{qualified} x ≥ y_d``, ``Σ x ≤ max_team·y_d`` and
  ``coverage_d ≤ min_team·y_d`` — a demand whose requirement cannot be met stays empty and is
  explained;
* pinned pairs have ``x = 1``; a pinned team that cannot meet its requirement gets a slack with a
  large penalty and the shortfall is reported.

Without requirement rows the constraint matrix is totally unimodular (a transportation problem
with a concave bonus per team), so the linear relaxation has integral vertices.  The LP is solved
with HiGHS by column generation on the candidate graph (start from each demand's best edges and
the qualified ones, price every edge with the duals, add the improving ones, repeat); when every
edge prices out, the LP optimum over the whole graph is proven.  If that solution is integral it
is optimal.  Otherwise (requirement rows can make it fractional) the few demands with fractional
values are settled by a small MILP with everything else held at its LP value, which gives an
incumbent; every edge whose reduced cost exceeds the gap between incumbent and LP bound cannot
appear in a better solution and keeps its LP value, and a last MILP over the remaining edges gives
the optimum on the whole candidate graph.  (The MILPs run without HiGHS presolve, which has
declared such models infeasible when they were not.)

Everything here is plain Python + NumPy/SciPy; Django is not imported.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

STAFFED = "staffed"
PARTIAL = "partial"
UNSTAFFED = "unstaffed"

#: Chinese names of the demand statuses.
STATUS_LABELS = {STAFFED: "已配齐", PARTIAL: "未配齐", UNSTAFFED: "未配置"}

#: Skill rank (higher = more senior) → national title; rank = 6 - national skill level.
SKILL_RANK_NAMES = {5: "高级技师", 4: "技师", 3: "高级工", 2: "中级工", 1: "初级工"}

#: Share of ``region_bonus`` granted per region relation (same as the ranking engine's labels).
REGION_FACTORS = {"county": 1.0, "city": 0.5, "province": 0.25}
REGION_LABELS = {"county": "同一地区", "city": "同地市", "province": "同省"}

_REGION_CODE = re.compile(r"^\d{6}$")

# Why an edge is not usable (per edge, first match wins).
_OK = 0
_SAME_EMPLOYER = 1
_DECLARED = 2  # the expert declared a conflict with the demand
_EXCLUDED = 3  # the demand excludes the expert (declined offer / declared conflict)
_UNAVAILABLE = 4  # capacity 0
_NOT_QUALIFIED = 5  # the demand's requirement cannot be met by this edge (see _prepare)

_REMOVAL_LABELS = {
    _SAME_EMPLOYER: "同一雇主",
    _DECLARED: "申报回避",
    _EXCLUDED: "已谢绝或已排除",
    _UNAVAILABLE: "无可用容量",
}
_CONFLICT_REASONS = (_SAME_EMPLOYER, _DECLARED, _EXCLUDED)

_INT_TOL = 1e-6
_PRICE_TOL = 1e-7


# ---------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One edge of the top-k candidate graph; ``score`` from the ranking engine, higher is better."""

    demand: str
    expert: str
    score: float


@dataclass(frozen=True)
class DemandSpec:
    """A demand to staff.

    ``min_skill_rank``: at least one member with skill rank ≥ this (rank 5 = 高级技师 … 1 = 初级工,
    i.e. ``6 - national skill level``).  ``required_honour``: at least one member holding this
    honour code.  ``pinned``: experts that must be in the team (accepted offers).  ``excluded``:
    experts that must not be (declined offers, declared conflicts).
    """

    id: str
    min_team: int = 1
    max_team: int = 1
    employer_uscc: str | None = None
    region: str | None = None
    industries: tuple[str, ...] = ()
    min_skill_rank: int | None = None
    required_honour: str | None = None
    pinned: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExpertSpec:
    """A craftsman; ``conflicts`` lists demand ids he declared a conflict of interest with."""

    id: str
    capacity: int = 1
    employer_uscc: str | None = None
    region: str | None = None
    skill_rank: int | None = None
    honours: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """The normalised input of one solve, kept in the result so that :func:`refill` can reuse it."""

    demands: tuple[DemandSpec, ...]
    experts: tuple[ExpertSpec, ...]
    candidates: tuple[Candidate, ...]
    region_bonus: float = 0.1
    time_limit: float | None = None


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A chosen (demand, expert) pair; ``weight`` = score + region bonus."""

    demand: str
    expert: str
    score: float
    weight: float
    region_match: str | None
    pinned: bool
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "demand": self.demand,
            "expert": self.expert,
            "score": self.score,
            "weight": round(self.weight, 9),
            "region_match": self.region_match,
            "pinned": self.pinned,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Explanation:
    """Why a demand is not fully staffed.

    ``code`` is stable (``no_candidates``, ``all_conflicted``, ``no_eligible_candidates``,
    ``requirement_unmet``, ``requirements_not_jointly_met``, ``too_few_candidates``,
    ``capacity_taken``, ``qualified_capacity_taken``, ``pinned_requirement_unmet``,
    ``not_proven_optimal``);
    ``constraint`` names what binds (``supply``, ``conflict_of_interest``, ``availability``,
    ``requirement``, ``team_size``, ``capacity``, ``time_limit``); ``message`` is for people.
    """

    code: str
    constraint: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "constraint": self.constraint,
            "message": self.message,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class DemandResult:
    demand: str
    status: str  # staffed | partial | unstaffed
    team: tuple[str, ...]
    min_team: int
    max_team: int
    explanations: tuple[Explanation, ...] = ()

    @property
    def missing(self) -> int:
        """Seats missing to reach ``min_team``."""
        return max(0, self.min_team - len(self.team))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.demand,
            "status": self.status,
            "status_label": STATUS_LABELS[self.status],
            "team": list(self.team),
            "min_team": self.min_team,
            "max_team": self.max_team,
            "missing": self.missing,
            "explanations": [e.as_dict() for e in self.explanations],
        }


@dataclass(frozen=True)
class PinIssue:
    """A pinned pair that could not be kept as given (it violates a hard constraint)."""

    demand: str
    expert: str
    code: str  # same_employer | declared_conflict | excluded | unavailable | over_capacity | over_team
    message: str
    kept: bool  # False: the pin was not enforced

    def as_dict(self) -> dict[str, Any]:
        return {
            "demand": self.demand,
            "expert": self.expert,
            "code": self.code,
            "message": self.message,
            "kept": self.kept,
        }


@dataclass(frozen=True)
class Shortage:
    """Demands not fully staffed, grouped by industry, region or requirement."""

    kind: str  # industry | region | requirement
    code: str
    demands: tuple[str, ...]
    missing_seats: int
    causes: Mapping[str, int]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "demands": list(self.demands),
            "missing_seats": self.missing_seats,
            "causes": dict(self.causes),
            "message": self.message,
        }


@dataclass(frozen=True)
class SolverInfo:
    method: str  # none | lp | milp
    optimal: bool
    lp_bound: float  # weight part of the LP bound (equal to the objective when LP is integral)
    coverage_bonus: float
    edges: int  # candidate edges after removals
    columns: int  # edges in the final restricted model
    pricing_rounds: int
    milp_solves: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "optimal": self.optimal,
            "lp_bound": self.lp_bound,
            "coverage_bonus": self.coverage_bonus,
            "edges": self.edges,
            "columns": self.columns,
            "pricing_rounds": self.pricing_rounds,
            "milp_solves": self.milp_solves,
            "seconds": round(self.seconds, 4),
        }


@dataclass(frozen=True)
class Assignment:
    pairs: tuple[Pair, ...]
    objective: float  # Σ weight of the chosen pairs
    coverage: int  # Σ_d min(|team_d|, min_team_d)
    demands: tuple[DemandResult, ...]
    pin_issues: tuple[PinIssue, ...]
    solver: SolverInfo
    problem: Problem
    _by_id: dict[str, DemandResult] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {r.demand: r for r in self.demands})

    def team(self, demand: str) -> tuple[str, ...]:
        return self.result(demand).team

    def result(self, demand: str) -> DemandResult:
        return self._by_id[demand]

    def pair_set(self) -> set[tuple[str, str]]:
        return {(p.demand, p.expert) for p in self.pairs}

    @property
    def not_staffed(self) -> tuple[DemandResult, ...]:
        """Demands that are not fully staffed (partial or unstaffed)."""
        return tuple(r for r in self.demands if r.status != STAFFED)

    def counts(self) -> dict[str, int]:
        c = Counter(r.status for r in self.demands)
        return {s: c.get(s, 0) for s in (STAFFED, PARTIAL, UNSTAFFED)}

    def shortages(self) -> list[Shortage]:
        """Which industries, regions and requirements lack supply (demands not fully staffed)."""
        specs = {d.id: d for d in self.problem.demands}
        groups: dict[tuple[str, str], list[DemandResult]] = {}
        for r in self.not_staffed:
            spec = specs[r.demand]
            keys = [("industry", code) for code in spec.industries]
            if spec.region:
                keys.append(("region", spec.region))
            keys.extend(("requirement", label) for label in _requirement_labels(spec))
            for key in keys:
                groups.setdefault(key, []).append(r)
        kind_names = {"industry": "行业", "region": "地区", "requirement": "要求"}
        out = []
        for (kind, code), results in groups.items():
            missing = sum(max(r.missing, 1) for r in results)
            causes = Counter(r.explanations[0].code for r in results if r.explanations)
            cause_text = "、".join(f"{_CODE_LABELS.get(k, k)} {v}" for k, v in causes.most_common())
            out.append(
                Shortage(
                    kind=kind,
                    code=code,
                    demands=tuple(r.demand for r in results),
                    missing_seats=missing,
                    causes=dict(causes),
                    message=(
                        f"{kind_names[kind]} {code}：{len(results)} 个需求未配齐，"
                        f"缺 {missing} 人（{cause_text}）"
                    ),
                )
            )
        out.sort(key=lambda s: (-s.missing_seats, s.kind, s.code))
        return out


_CODE_LABELS = {
    "no_candidates": "没有候选人",
    "all_conflicted": "利益冲突",
    "no_eligible_candidates": "候选人不可用",
    "requirement_unmet": "无人满足要求",
    "requirements_not_jointly_met": "无人同时满足多项要求",
    "too_few_candidates": "候选人不足",
    "capacity_taken": "容量被占用",
    "qualified_capacity_taken": "合格候选人容量被占用",
    "pinned_requirement_unmet": "锁定团队不满足要求",
    "not_proven_optimal": "求解未完成",
}


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


def skill_level_to_rank(level: int) -> int:
    """National skill level (1 = 高级技师 … 5 = 初级工) → rank (5 = 高级技师 … 1 = 初级工)."""
    return 6 - level


def skill_rank_label(rank: int) -> str:
    """``4`` → ``技师及以上``; ``5`` → ``高级技师``."""
    name = SKILL_RANK_NAMES.get(rank)
    if name is None:
        return f"技能等级 {rank} 及以上"
    return name if rank >= 5 else f"{name}及以上"


def _rank_name(rank: int) -> str:
    return SKILL_RANK_NAMES.get(rank, f"技能等级 {rank}")


def _requirement_labels(spec: DemandSpec) -> list[str]:
    labels = []
    if spec.min_skill_rank is not None:
        labels.append(skill_rank_label(spec.min_skill_rank))
    if spec.required_honour is not None:
        labels.append(f"荣誉“{spec.required_honour}”")
    return labels


def region_relation(demand_region: str | None, expert_region: str | None) -> str | None:
    """``county`` (same code), ``city`` (same prefecture), ``province`` or ``None``."""
    if not demand_region or not expert_region:
        return None
    if demand_region == expert_region:
        return "county"
    if demand_region[:4] == expert_region[:4] and demand_region[2:4] != "00":
        return "city"
    if demand_region[:2] == expert_region[:2]:
        return "province"
    return None


# ---------------------------------------------------------------------------
# Validation and preparation
# ---------------------------------------------------------------------------


def _check_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what}应为整数（当前为 {value!r}）")
    return value


def _check_region(value: str | None, what: str) -> None:
    if value is not None and (not isinstance(value, str) or not _REGION_CODE.match(value)):
        raise ValueError(f"{what}应为 6 位数字的行政区划代码（当前为 {value!r}）")


def _validate_specs(problem: Problem) -> None:
    if not math.isfinite(problem.region_bonus) or problem.region_bonus < 0:
        raise ValueError(f"region_bonus 应为非负数（当前为 {problem.region_bonus!r}）")
    if problem.time_limit is not None and not problem.time_limit > 0:
        raise ValueError(f"time_limit 应为正数（当前为 {problem.time_limit!r}）")
    seen: set[str] = set()
    for d in problem.demands:
        if not isinstance(d.id, str) or not d.id:
            raise ValueError(f"需求的 id 不能为空（当前为 {d.id!r}）")
        if d.id in seen:
            raise ValueError(f"需求 id 重复：{d.id}")
        seen.add(d.id)
        lo = _check_int(d.min_team, f"需求 {d.id} 的 min_team ")
        hi = _check_int(d.max_team, f"需求 {d.id} 的 max_team ")
        if lo < 1:
            raise ValueError(f"需求 {d.id} 的 min_team 至少为 1（当前为 {lo}）")
        if lo > hi:
            raise ValueError(f"需求 {d.id} 的 min_team（{lo}）不能大于 max_team（{hi}）")
        _check_region(d.region, f"需求 {d.id} 的 region ")
        if d.min_skill_rank is not None:
            _check_int(d.min_skill_rank, f"需求 {d.id} 的 min_skill_rank ")
        if d.required_honour is not None and (
            not isinstance(d.required_honour, str) or not d.required_honour
        ):
            raise ValueError(f"需求 {d.id} 的 required_honour 应为非空文本")
    seen = set()
    for e in problem.experts:
        if not isinstance(e.id, str) or not e.id:
            raise ValueError(f"专家的 id 不能为空（当前为 {e.id!r}）")
        if e.id in seen:
            raise ValueError(f"专家 id 重复：{e.id}")
        seen.add(e.id)
        cap = _check_int(e.capacity, f"专家 {e.id} 的 capacity ")
        if cap < 0:
            raise ValueError(f"专家 {e.id} 的 capacity 不能为负数（当前为 {cap}）")
        _check_region(e.region, f"专家 {e.id} 的 region ")
        if e.skill_rank is not None:
            _check_int(e.skill_rank, f"专家 {e.id} 的 skill_rank ")


def _uscc(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().upper()
    return value or None


@dataclass
class _Requirement:
    """ "At least one member …" of one demand; ``edges``: its qualified edges (sorted)."""

    demand: int
    label: str
    edges: np.ndarray

    def has(self, edges: np.ndarray) -> np.ndarray:
        """Boolean mask: which of ``edges`` (a few, e.g. one demand's) are qualified."""
        return np.isin(edges, self.edges)


@dataclass
class _Prepared:
    """Arrays describing the candidate graph after validation and removals."""

    demand_ids: list[str]
    expert_ids: list[str]
    di: np.ndarray  # edge → demand index
    ej: np.ndarray  # edge → expert index
    score: np.ndarray
    weight: np.ndarray
    region_level: np.ndarray  # int8 per edge: 3 county, 2 city, 1 province, 0 none
    from_candidates: np.ndarray  # bool: edge comes from the candidate list (not only a pin)
    reason: np.ndarray  # int8 removal reason (_OK = usable)
    pinned: np.ndarray  # bool: enforced pin
    team_cap: np.ndarray  # per demand effective max team
    capacity: np.ndarray  # per expert
    requirements: list[_Requirement]
    binding: list[int]  # indexes into requirements: need y_d rows
    pinned_reqs: list[int]  # indexes into requirements: pinned demand, slack rows
    y_demands: list[int]  # demands with a y_d variable
    pin_issues: list[PinIssue]
    edges_of: list[np.ndarray]  # per demand, its edges (all reasons)


def _prepare(problem: Problem, frozen: frozenset[str]) -> _Prepared:
    _validate_specs(problem)
    demands, experts = problem.demands, problem.experts
    dmap = {d.id: i for i, d in enumerate(demands)}
    emap = {e.id: j for j, e in enumerate(experts)}
    n_d, n_e = len(demands), len(experts)

    cands = problem.candidates
    m = len(cands)
    try:
        di = np.fromiter((dmap[c.demand] for c in cands), dtype=np.int64, count=m)
    except KeyError:
        for k, c in enumerate(cands, start=1):
            if c.demand not in dmap:
                raise ValueError(f"第 {k} 条候选边的 demand“{c.demand}”不在需求列表中") from None
        raise
    try:
        ej = np.fromiter((emap[c.expert] for c in cands), dtype=np.int64, count=m)
    except KeyError:
        for k, c in enumerate(cands, start=1):
            if c.expert not in emap:
                raise ValueError(
                    f"第 {k} 条候选边（需求 {c.demand}）的 expert“{c.expert}”不在专家列表中"
                ) from None
        raise
    try:
        score = np.fromiter((c.score for c in cands), dtype=np.float64, count=m)
    except (TypeError, ValueError):
        for k, c in enumerate(cands, start=1):
            if isinstance(c.score, bool) or not isinstance(c.score, (int, float)):
                raise ValueError(
                    f"第 {k} 条候选边（需求 {c.demand}，专家 {c.expert}）的 score 应为数值"
                ) from None
        raise
    bad = np.flatnonzero(~np.isfinite(score))
    if bad.size:
        c = cands[int(bad[0])]
        raise ValueError(
            f"第 {int(bad[0]) + 1} 条候选边（需求 {c.demand}，专家 {c.expert}）的 score 应为有限数值"
        )
    width = max(n_e, 1)
    keys = di * width + ej
    if m:
        uniq, first, counts = np.unique(keys, return_index=True, return_counts=True)
        if (counts > 1).any():
            dup_key = uniq[np.argmax(counts > 1)]
            positions = np.flatnonzero(keys == dup_key)
            c = cands[int(positions[1])]
            raise ValueError(
                f"第 {int(positions[1]) + 1} 条候选边与第 {int(positions[0]) + 1} 条重复"
                f"（需求 {c.demand}，专家 {c.expert}）"
            )
    else:
        uniq = first = np.zeros(0, np.int64)

    # Pinned pairs that are not candidate edges become edges of score 0.
    pin_edge: dict[int, int] = {}  # key → edge
    extra_d: list[int] = []
    extra_e: list[int] = []
    for i, d in enumerate(demands):
        for eid in d.pinned:
            if eid not in emap:
                raise ValueError(f"需求 {d.id} 的 pinned 中的专家“{eid}”不在专家列表中")
            key = i * width + emap[eid]
            at = int(np.searchsorted(uniq, key))
            if at < uniq.size and uniq[at] == key:
                pin_edge[key] = int(first[at])
            elif key not in pin_edge:
                pin_edge[key] = m + len(extra_d)
                extra_d.append(i)
                extra_e.append(emap[eid])
    from_candidates = np.concatenate([np.ones(m, bool), np.zeros(len(extra_d), bool)])
    if extra_d:
        di = np.concatenate([di, np.asarray(extra_d, np.int64)])
        ej = np.concatenate([ej, np.asarray(extra_e, np.int64)])
        score = np.concatenate([score, np.zeros(len(extra_d))])
    n_edges = len(di)

    # Region bonus (same rule as :func:`region_relation`, vectorised).
    d_reg = np.array([int(d.region) if d.region else -1 for d in demands], np.int64)
    e_reg = np.array([int(e.region) if e.region else -1 for e in experts], np.int64)
    level = np.zeros(n_edges, np.int8)
    if n_edges:
        a, b = d_reg[di], e_reg[ej]
        valid = (a >= 0) & (b >= 0)
        level[valid & (a // 10000 == b // 10000)] = 1
        level[valid & (a // 100 == b // 100) & ((a // 100) % 100 != 0)] = 2
        level[valid & (a == b)] = 3
    factors = np.array([0.0, REGION_FACTORS["province"], REGION_FACTORS["city"], 1.0])
    weight = score + problem.region_bonus * factors[level]

    # Removals: conflicts of interest, exclusions, unavailable experts.
    reason = np.zeros(n_edges, np.int8)
    uscc_codes: dict[str, int] = {}
    d_uscc = np.full(n_d, -1, np.int64)
    for i, d in enumerate(demands):
        u = _uscc(d.employer_uscc)
        if u:
            d_uscc[i] = uscc_codes.setdefault(u, len(uscc_codes))
    e_uscc = np.full(n_e, -2, np.int64)
    for j, e in enumerate(experts):
        u = _uscc(e.employer_uscc)
        if u:
            e_uscc[j] = uscc_codes.setdefault(u, len(uscc_codes))
    capacity = np.array([e.capacity for e in experts], np.int64)
    if n_edges:
        reason[d_uscc[di] == e_uscc[ej]] = _SAME_EMPLOYER
        declared = [
            dmap[did] * width + j
            for j, e in enumerate(experts)
            for did in e.conflicts
            if did in dmap
        ]
        excluded = [
            i * width + emap[eid]
            for i, d in enumerate(demands)
            for eid in d.excluded
            if eid in emap
        ]
        edge_keys = di * width + ej
        if declared:
            hit = np.isin(edge_keys, np.asarray(declared, np.int64)) & (reason == _OK)
            reason[hit] = _DECLARED
        if excluded:
            hit = np.isin(edge_keys, np.asarray(excluded, np.int64)) & (reason == _OK)
            reason[hit] = _EXCLUDED
        reason[(capacity[ej] == 0) & (reason == _OK)] = _UNAVAILABLE

    order = np.argsort(di, kind="stable")
    ptr = np.searchsorted(di[order], np.arange(n_d + 1))
    edges_of = [order[ptr[i] : ptr[i + 1]] for i in range(n_d)]

    # Pins.
    pinned = np.zeros(n_edges, bool)
    pin_issues: list[PinIssue] = []
    team_cap = np.array([d.max_team for d in demands], np.int64)
    pin_load = np.zeros(n_e, np.int64)
    for i, d in enumerate(demands):
        kept = 0
        asked = list(dict.fromkeys(d.pinned))
        for eid in asked:
            j = emap[eid]
            edge = pin_edge[i * width + j]
            r = int(reason[edge])
            if r != _OK:
                code, text = _PIN_ISSUES[r]
                pin_issues.append(
                    PinIssue(
                        d.id, eid, code, f"需求 {d.id} 锁定的专家 {eid} 未予保留：{text}", False
                    )
                )
            elif kept >= d.max_team:
                pin_issues.append(
                    PinIssue(
                        d.id,
                        eid,
                        "over_team",
                        f"需求 {d.id} 锁定的专家超过团队上限 {d.max_team} 人，专家 {eid} 未予锁定",
                        False,
                    )
                )
            elif pin_load[j] >= capacity[j]:
                pin_issues.append(
                    PinIssue(
                        d.id,
                        eid,
                        "over_capacity",
                        f"专家 {eid} 被锁定的需求数超过其容量 {int(capacity[j])}，"
                        f"在需求 {d.id} 上未予锁定",
                        False,
                    )
                )
            else:
                pinned[edge] = True
                pin_load[j] += 1
                kept += 1
        if d.id in frozen and kept == len(asked):
            team_cap[i] = kept

    # Requirements ("at least one member with rank ≥ r / holding honour h").
    rank = np.full(n_e, np.iinfo(np.int64).min, np.int64)
    for j, e in enumerate(experts):
        if e.skill_rank is not None:
            rank[j] = e.skill_rank
    requirements: list[_Requirement] = []
    binding: list[int] = []
    pinned_reqs: list[int] = []
    y_demands: list[int] = []
    honour_sets: list[frozenset[str]] | None = None
    for i, d in enumerate(demands):
        if d.min_skill_rank is None and d.required_honour is None:
            continue
        idx = edges_of[i]
        reqs: list[int] = []
        if d.min_skill_rank is not None:
            ok = rank[ej[idx]] >= d.min_skill_rank
            label = skill_rank_label(d.min_skill_rank)
            requirements.append(_Requirement(i, label, np.sort(idx[ok])))
            reqs.append(len(requirements) - 1)
        if d.required_honour is not None:
            if honour_sets is None:
                honour_sets = [frozenset(e.honours) for e in experts]
            ok = np.array(
                [d.required_honour in honour_sets[j] for j in ej[idx].tolist()], dtype=bool
            )
            label = f"荣誉“{d.required_honour}”"
            requirements.append(_Requirement(i, label, np.sort(idx[ok])))
            reqs.append(len(requirements) - 1)
        pins_i = idx[pinned[idx]]
        pending: list[int] = []
        for r in reqs:
            req = requirements[r]
            if pins_i.size and req.has(pins_i).any():
                continue  # a pinned member already meets it
            if pins_i.size or team_cap[i] < d.max_team:
                pinned_reqs.append(r)  # the team is (partly) fixed: slack row, reported
                continue
            alive = idx[reason[idx] == _OK]
            ok = req.has(alive)
            if not ok.any():
                reason[alive] = _NOT_QUALIFIED  # nobody eligible meets it: stays empty
            elif ok.all():
                continue
            elif team_cap[i] == 1:
                reason[alive[~ok]] = _NOT_QUALIFIED  # the only member must meet it
            else:
                pending.append(r)
        if pending and (reason[idx] == _OK).any():
            binding.extend(pending)
            y_demands.append(i)

    return _Prepared(
        demand_ids=[d.id for d in demands],
        expert_ids=[e.id for e in experts],
        di=di,
        ej=ej,
        score=score,
        weight=weight,
        region_level=level,
        from_candidates=from_candidates,
        reason=reason,
        pinned=pinned,
        team_cap=team_cap,
        capacity=capacity,
        requirements=requirements,
        binding=binding,
        pinned_reqs=pinned_reqs,
        y_demands=y_demands,
        pin_issues=pin_issues,
        edges_of=edges_of,
    )


_PIN_ISSUES = {
    _SAME_EMPLOYER: ("same_employer", "与需求方属同一雇主（统一社会信用代码相同），存在利益冲突"),
    _DECLARED: ("declared_conflict", "专家已申报与该需求存在利益冲突"),
    _EXCLUDED: ("excluded", "该专家同时在需求的排除名单中（已谢绝或已声明回避）"),
    _UNAVAILABLE: ("unavailable", "专家容量为 0，当前不能接受任务"),
}


# ---------------------------------------------------------------------------
# Model and solver
# ---------------------------------------------------------------------------


@dataclass
class _Model:
    """``min cost·v  s.t.  A v ≤ b,  lo ≤ v ≤ hi`` with ``v = (x…, c…, y…, s…)``.

    ``x``: one binary per usable edge; ``c``: coverage per demand (≤ min_team, ≤ |team|);
    ``y``: "staffed" binary of demands with a binding requirement; ``s``: slack of the
    requirement rows of pinned teams.
    """

    n_x: int
    a_x: sp.csc_matrix  # rows × x columns
    a_rest: sp.csc_matrix  # rows × (c, y, s)
    b: np.ndarray
    cost_x: np.ndarray
    cost_rest: np.ndarray
    lo_x: np.ndarray
    lo_rest: np.ndarray
    hi_rest: np.ndarray
    int_rest: np.ndarray
    n_c: int
    n_y: int
    coverage_bonus: float


def _build_model(p: _Prepared, cols: np.ndarray, min_team: np.ndarray) -> _Model:
    """Constraint matrix over the usable edges ``cols`` (indexes into the edge arrays)."""
    n_d = len(p.demand_ids)
    n_e = len(p.expert_ids)
    n = len(cols)
    cdi = p.di[cols]
    cej = p.ej[cols]
    w = p.weight[cols]
    n_y = len(p.y_demands)
    n_b = len(p.binding)
    n_s = len(p.pinned_reqs)
    y_index = {d: k for k, d in enumerate(p.y_demands)}
    # Row blocks: team size, coverage ≤ |team|, coverage ≤ min_team·y, capacity,
    # requirement (y ≤ Σ qualified), pinned requirement (1 ≤ Σ qualified + s).
    r_team = 0
    r_cov = r_team + n_d
    r_covy = r_cov + n_d
    r_cap = r_covy + n_y
    r_req = r_cap + n_e
    r_preq = r_req + n_b
    n_rows = r_preq + n_s

    ar = np.arange(n)
    col_of = np.full(len(p.di), -1, np.int64)
    col_of[cols] = ar
    rows = [r_team + cdi, r_cov + cdi, r_cap + cej]
    colx = [ar, ar, ar]
    vals = [np.ones(n), -np.ones(n), np.ones(n)]
    for base, group in ((r_req, p.binding), (r_preq, p.pinned_reqs)):
        for k, r in enumerate(group):
            pos = col_of[p.requirements[r].edges]
            sel = np.sort(pos[pos >= 0])
            rows.append(np.full(sel.size, base + k))
            colx.append(sel)
            vals.append(-np.ones(sel.size))
    a_x = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(colx))), shape=(n_rows, n)
    )

    ys = np.asarray(p.y_demands, np.int64)
    ky = np.arange(n_y)
    req_y = np.asarray([y_index[p.requirements[r].demand] for r in p.binding], np.int64)
    rest_rows = [
        r_cov + np.arange(n_d),  # c in coverage rows
        r_covy + ky,  # c in c ≤ min_team·y
        r_covy + ky,  # y in c ≤ min_team·y
        r_team + ys,  # y in Σx ≤ max_team·y
        r_req + np.arange(n_b),  # y in y ≤ Σ qualified
        r_preq + np.arange(n_s),  # s in pinned requirement rows
    ]
    rest_cols = [np.arange(n_d), ys, n_d + ky, n_d + ky, n_d + req_y, n_d + n_y + np.arange(n_s)]
    rest_vals = [
        np.ones(n_d),
        np.ones(n_y),
        -min_team[ys].astype(float),
        -p.team_cap[ys].astype(float),
        np.ones(n_b),
        -np.ones(n_s),
    ]
    a_rest = sp.csc_matrix(
        (
            np.concatenate(rest_vals),
            (np.concatenate(rest_rows), np.concatenate(rest_cols).astype(np.int64)),
        ),
        shape=(n_rows, n_d + n_y + n_s),
    )

    b = np.zeros(n_rows)
    b[r_team : r_team + n_d] = p.team_cap
    b[r_team + ys] = 0.0
    b[r_cap : r_cap + n_e] = p.capacity
    b[r_preq:] = -1.0

    # Coverage bonus larger than any possible difference of total weight, so that coverage
    # comes first; the slack of a pinned team's requirement costs more than a whole team.
    per_demand_max = np.zeros(n_d)
    if n:
        np.maximum.at(per_demand_max, cdi, np.abs(w))
    big_m = float(np.sum(per_demand_max * p.team_cap)) + 1.0
    penalty = big_m * (float(min_team.max(initial=0)) + 1.0)
    cost_rest = np.concatenate([np.full(n_d, -big_m), np.zeros(n_y), np.full(n_s, penalty)])
    hi_rest = np.concatenate(
        [np.minimum(min_team, p.team_cap).astype(float), np.ones(n_y), np.ones(n_s)]
    )
    return _Model(
        n_x=n,
        a_x=a_x,
        a_rest=a_rest,
        b=b,
        cost_x=-w,
        cost_rest=cost_rest,
        lo_x=p.pinned[cols].astype(float),
        lo_rest=np.zeros(n_d + n_y + n_s),
        hi_rest=hi_rest,
        int_rest=np.concatenate([np.zeros(n_d), np.ones(n_y), np.zeros(n_s)]),
        n_c=n_d,
        n_y=n_y,
        coverage_bonus=big_m,
    )


@dataclass
class _Solution:
    x: np.ndarray  # bool over the model's x columns
    method: str
    optimal: bool
    lp_weight: float
    columns: int
    rounds: int
    milp_solves: int


def _initial_columns(p: _Prepared, cols: np.ndarray, model: _Model) -> np.ndarray:
    """Each demand's best edges (2·max_team + 3), the qualified edges of requirements, the pins.

    The qualified edges are the contested ones (few seniors); pricing them in one by one would
    take many rounds.
    """
    n = len(cols)
    cdi = p.di[cols]
    w = p.weight[cols]
    starts = np.searchsorted(np.sort(cdi), np.arange(len(p.demand_ids)))
    pos = np.empty(n, np.int64)
    order = np.lexsort((-w, cdi))
    pos[order] = np.arange(n) - starts[cdi[order]]
    chosen = pos < 2 * p.team_cap[cdi] + 3
    if p.binding or p.pinned_reqs:
        q_edges = np.zeros(len(p.di), bool)
        for r in (*p.binding, *p.pinned_reqs):
            q_edges[p.requirements[r].edges] = True
        chosen |= q_edges[cols]
    chosen |= model.lo_x > 0
    return chosen


def _restricted(model: _Model, sel: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    a = sp.hstack([model.a_x[:, sel], model.a_rest], format="csc")
    cost = np.concatenate([model.cost_x[sel], model.cost_rest])
    lo = np.concatenate([model.lo_x[sel], model.lo_rest])
    hi = np.concatenate([np.ones(int(sel.sum())), model.hi_rest])
    return a, cost, lo, hi


def _lp(model: _Model, sel: np.ndarray) -> Any:
    a, cost, lo, hi = _restricted(model, sel)
    res = linprog(cost, A_ub=a, b_ub=model.b, bounds=np.column_stack([lo, hi]), method="highs")
    if res.status != 0:
        raise RuntimeError(f"内部错误：线性规划求解失败（{res.message}）")
    return res


def _milp_fixed(
    model: _Model, free: np.ndarray, fixed: np.ndarray, time_limit: float | None
) -> tuple[np.ndarray | None, float, bool]:
    """MILP over the ``free`` x columns, the others held at ``fixed`` (0/1).

    Returns (x over all columns or None, objective including the fixed part, proven optimal).
    """
    ones = ~free & fixed
    b = model.b - model.a_x[:, ones] @ np.ones(int(ones.sum()))
    a, cost, lo, hi = _restricted(model, free)
    k = int(free.sum())
    options: dict[str, Any] = {"mip_rel_gap": 0.0, "presolve": False}
    if time_limit is not None:
        options["time_limit"] = max(time_limit, 0.01)
    out = milp(
        cost,
        integrality=np.concatenate([np.ones(k), model.int_rest]),
        bounds=Bounds(lo, hi),
        constraints=LinearConstraint(a, -np.inf, b),
        options=options,
    )
    if out.x is None:
        return None, math.inf, False
    x = ones.copy()
    x[np.flatnonzero(free)[np.asarray(out.x)[:k] > 0.5]] = True
    return x, float(out.fun) + float(model.cost_x[ones].sum()), out.status == 0


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def _solve_model(
    model: _Model, p: _Prepared, cols: np.ndarray, deadline: float | None
) -> _Solution:
    n = model.n_x
    if n == 0:
        return _Solution(np.zeros(0, bool), "none", True, 0.0, 0, 0, 0)

    # Column generation on the LP relaxation: solve over the selected edges, price every edge
    # with the duals, add those that could improve (and the nearly improving ones), repeat.
    # When nothing prices out, the restricted LP optimum is the LP optimum over the whole graph.
    sel = _initial_columns(p, cols, model)
    tau = 0.05 * float(np.abs(model.cost_x).max(initial=0.0))
    rounds = 0
    while True:
        rounds += 1
        res = _lp(model, sel)
        reduced = model.cost_x - model.a_x.T @ np.asarray(res.ineqlin.marginals)
        if not (~sel & (reduced < -_PRICE_TOL)).any():
            break
        sel |= reduced < tau
    k = int(sel.sum())
    values = np.asarray(res.x)
    x_lp = np.zeros(n)
    x_lp[sel] = values[:k]
    y_lp = values[k + model.n_c : k + model.n_c + model.n_y]
    lp_weight = -float(model.cost_x @ x_lp)
    frac_x = np.abs(x_lp - np.round(x_lp)) > _INT_TOL
    frac_y = np.abs(y_lp - np.round(y_lp)) > _INT_TOL
    rounded = x_lp > 0.5
    if not frac_x.any() and not frac_y.any():
        return _Solution(rounded, "lp", True, lp_weight, k, rounds, 0)

    # Fractional (only possible with requirement rows).  First an incumbent: every demand whose
    # LP values are integral keeps them, a MILP settles the few fractional demands.
    lp_obj = float(res.fun)
    cdi = p.di[cols]
    tangled = np.unique(np.concatenate([cdi[frac_x], np.asarray(p.y_demands, np.int64)[frac_y]]))
    free = sel & np.isin(cdi, tangled)
    incumbent, best_obj, _ = _milp_fixed(model, free, rounded, _remaining(deadline))
    if incumbent is None:
        x = _round_down(model, p, cols, rounded)
        return _Solution(x, "milp", False, lp_weight, k, rounds, 1)
    best = incumbent
    # Reduced-cost fixing: a solution better than the incumbent can only move edges whose
    # reduced cost (w.r.t. the LP duals, valid for the whole graph) is within the gap.
    gap = best_obj - lp_obj + _PRICE_TOL
    free = frac_x | (~rounded & (reduced <= gap)) | (rounded & (-reduced <= gap))
    free |= model.lo_x > 0
    optimal = True
    solves = 1
    if gap > 2 * _PRICE_TOL:
        improved, obj, proven = _milp_fixed(model, free, rounded, _remaining(deadline))
        solves += 1
        optimal = proven
        if improved is not None and obj < best_obj:
            best = improved
    return _Solution(best, "milp", optimal, lp_weight, int(free.sum()), rounds, solves)


def _round_down(model: _Model, p: _Prepared, cols: np.ndarray, rounded: np.ndarray) -> np.ndarray:
    """A feasible integer solution from a fractional LP one (only if no MILP solution came)."""
    x = rounded.copy()
    x |= model.lo_x > 0
    cdi = p.di[cols]
    for r in p.binding:
        req = p.requirements[r]
        mine = cdi == req.demand
        if not (x & mine & np.isin(cols, req.edges)).any():
            x[mine] = False
    return x


# ---------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------


def _holder(label: str) -> str:
    """``技师及以上`` → ``技师及以上的成员``; ``荣誉“X”`` → ``持有荣誉“X”的成员``."""
    return f"持有{label}的成员" if label.startswith("荣誉") else f"{label}的成员"


def _join(ids: Sequence[str], limit: int = 8) -> str:
    shown = "、".join(ids[:limit])
    return shown + (f" 等 {len(ids)} 个需求" if len(ids) > limit else "")


@dataclass
class _Outcome:
    """What the explanations need to know about the solution."""

    used: np.ndarray  # per expert, demands assigned
    demands_of_expert: dict[int, list[int]]
    pinned_reqs: frozenset[int]
    optimal: bool


def _competitors(p: _Prepared, out: _Outcome, i: int, experts_idx: Iterable[int]) -> list[str]:
    names: list[str] = []
    for j in experts_idx:
        for other in out.demands_of_expert.get(j, []):
            name = p.demand_ids[other]
            if other != i and name not in names:
                names.append(name)
    return names


def _explain(
    i: int, problem: Problem, p: _Prepared, team: np.ndarray, unmet: list[int], out: _Outcome
) -> list[Explanation]:
    """Why demand ``i`` is not fully staffed, decided from the candidate sets and the solution."""
    spec = problem.demands[i]
    edges = p.edges_of[i]
    industries = list(spec.industries)
    if edges.size == 0:
        where = []
        if industries:
            where.append(f"行业 {'、'.join(industries)}")
        if spec.region:
            where.append(f"地区 {spec.region}")
        lacking = "，".join(where) if where else "需求未标注行业和地区"
        return [
            Explanation(
                "no_candidates",
                "supply",
                f"没有候选人（{lacking}）：专家库中缺少相应的工匠供给",
                {"industries": industries, "region": spec.region},
            )
        ]
    reasons = p.reason[edges]
    eligible = edges[(reasons == _OK) | (reasons == _NOT_QUALIFIED)]
    if eligible.size == 0:
        counts = Counter(int(r) for r in reasons)
        parts = "、".join(f"{_REMOVAL_LABELS[r]} {c} 人" for r, c in sorted(counts.items()))
        removed: dict[str, Any] = {
            "removed": {_REMOVAL_CODES[r]: c for r, c in sorted(counts.items())},
            "industries": industries,
            "region": spec.region,
        }
        if all(r in _CONFLICT_REASONS for r in counts):
            return [
                Explanation(
                    "all_conflicted",
                    "conflict_of_interest",
                    f"候选人均因利益冲突排除（{parts}）",
                    removed,
                )
            ]
        return [
            Explanation(
                "no_eligible_candidates", "availability", f"候选人均不可用（{parts}）", removed
            )
        ]

    found: list[Explanation] = []
    # Requirements nobody eligible meets come first: they make the others moot.
    for r in unmet:
        label = p.requirements[r].label
        if p.requirements[r].has(eligible).any():
            continue
        excluded = int((p.requirements[r].has(edges) & ~np.isin(edges, eligible)).sum())
        details: dict[str, Any] = {"requirement": label, "qualified_excluded": excluded}
        text = f"要求至少一名{label}，候选人中无人满足"
        if label.startswith("荣誉"):
            text = f"要求至少一名持有{label}的成员，候选人中无人持有"
        elif spec.min_skill_rank is not None:
            ranks = [problem.experts[int(j)].skill_rank for j in p.ej[eligible]]
            best = max((x for x in ranks if x is not None), default=None)
            details["best_rank"] = best
            text += (
                f"（候选人最高为{_rank_name(best)}）"
                if best is not None
                else "（候选人均未登记技能等级）"
            )
        if excluded:
            text += f"；另有 {excluded} 名满足者因利益冲突或无容量被排除"
        found.append(Explanation("requirement_unmet", "requirement", text, details))
    if not found and unmet and not (p.reason[eligible] == _OK).any():
        # Each requirement is met by somebody, but no team within max_team meets all of them.
        labels = [p.requirements[r].label for r in unmet]
        found.append(
            Explanation(
                "requirements_not_jointly_met",
                "requirement",
                f"团队上限 {int(p.team_cap[i])} 人，候选人中无人同时满足{'和'.join(labels)}",
                {"requirements": labels, "max_team": int(p.team_cap[i])},
            )
        )
    if not found:
        usable = edges[reasons == _OK]  # after the single-member restriction, if any
        for r in unmet:
            if r not in out.pinned_reqs:
                continue
            label = p.requirements[r].label
            qualified = usable[p.requirements[r].has(usable)]
            busy = [int(j) for j in p.ej[qualified] if out.used[j] >= p.capacity[j]]
            names = _competitors(p, out, i, busy)
            pins = int(p.pinned[edges].sum())
            if len(team) >= p.team_cap[i]:
                why = f"团队已满（{len(team)} 人），无空位补充"
            elif names:
                why = f"满足要求的候选人容量已被其他需求占用：{_join(names)}"
            else:
                why = "没有可补充的满足要求的候选人"
            found.append(
                Explanation(
                    "pinned_requirement_unmet",
                    "requirement",
                    f"已锁定的 {pins} 名成员中没有{_holder(label)}，且{why}",
                    {"requirement": label, "pinned": pins, "competing_demands": names},
                )
            )
        pending = [r for r in unmet if r not in out.pinned_reqs]
        # A single-member team needs one expert meeting every requirement: explain them together.
        groups = [pending] if p.team_cap[i] == 1 and len(pending) > 1 else [[r] for r in pending]
        for group in groups:
            mask = np.ones(usable.size, bool)
            for r in group:
                mask &= p.requirements[r].has(usable)
            qualified = usable[mask]
            busy = [int(j) for j in p.ej[qualified] if out.used[j] >= p.capacity[j]]
            if not qualified.size or len(busy) < qualified.size:
                continue
            label = "和".join(p.requirements[r].label for r in group)
            names = _competitors(p, out, i, busy)
            found.append(
                Explanation(
                    "qualified_capacity_taken",
                    "capacity",
                    f"满足{label}要求的 {qualified.size} 名候选人容量已被其他需求占用："
                    f"{_join(names)}",
                    {
                        "requirement": label,
                        "qualified": int(qualified.size),
                        "competing_demands": names,
                    },
                )
            )
    min_team = spec.min_team
    if eligible.size < min_team:
        found.append(
            Explanation(
                "too_few_candidates",
                "team_size",
                f"团队最少 {min_team} 人，仅有 {eligible.size} 名可用候选人",
                {"min_team": min_team, "eligible": int(eligible.size)},
            )
        )
    elif len(team) < min_team and not found:
        others = eligible[~np.isin(eligible, team)]
        saturated = [int(j) for j in p.ej[others] if out.used[j] >= p.capacity[j]]
        names = _competitors(p, out, i, saturated)
        if len(saturated) == others.size:
            found.append(
                Explanation(
                    "capacity_taken",
                    "capacity",
                    f"团队最少 {min_team} 人，已配 {len(team)} 人；其余 {others.size} 名候选人"
                    f"容量已被其他需求占用：{_join(names)}",
                    {"min_team": min_team, "team": len(team), "competing_demands": names},
                )
            )
    if not found:
        found.append(
            Explanation(
                "not_proven_optimal",
                "time_limit",
                "求解在时间上限内未完成，仍有可用候选人未分配；请放宽时间上限后重新求解",
                {"optimal": out.optimal},
            )
        )
    return found


_REMOVAL_CODES = {
    _SAME_EMPLOYER: "same_employer",
    _DECLARED: "declared_conflict",
    _EXCLUDED: "excluded",
    _UNAVAILABLE: "unavailable",
    _NOT_QUALIFIED: "not_qualified",
}


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def assign(
    demands: Iterable[DemandSpec],
    experts: Iterable[ExpertSpec],
    candidates: Iterable[Candidate],
    *,
    region_bonus: float = 0.1,
    time_limit: float | None = None,
) -> Assignment:
    """Staff ``demands`` with ``experts`` on the candidate graph, optimally (see the module doc).

    ``region_bonus`` is added to the score of an edge whose expert is in the demand's own region
    (×1), prefecture (×0.5) or province (×0.25).  ``time_limit`` (seconds) bounds the MILP phase,
    which is only needed when the LP relaxation is fractional; if it is hit the result is
    feasible but ``solver.optimal`` is False.  Bad input raises :class:`ValueError` with a Chinese
    message naming the field.
    """
    problem = Problem(
        demands=tuple(demands),
        experts=tuple(experts),
        candidates=tuple(candidates),
        region_bonus=region_bonus,
        time_limit=time_limit,
    )
    return _solve(problem, frozenset())


def refill(
    previous: Assignment,
    declined: Iterable[tuple[str, str]],
    *,
    experts: Iterable[ExpertSpec] | None = None,
    candidates: Iterable[Candidate] | None = None,
) -> Assignment:
    """Replace declined offers without disturbing the others.

    Every pair of ``previous`` that is not declined is pinned (accepted and pending offers stay
    exactly as they are), every declined pair is excluded, and only the gaps are filled: a demand
    gets new members only if one of its offers was declined or it was not fully staffed.
    ``experts``/``candidates`` may replace the previous ones (e.g. updated capacities); a pin that
    no longer fits is reported in ``pin_issues``, as are the pin issues of ``previous``.
    """
    problem = previous.problem
    experts_t = problem.experts if experts is None else tuple(experts)
    known_d = {d.id for d in problem.demands}
    known_e = {e.id for e in experts_t}
    declined_set: set[tuple[str, str]] = set()
    for d_id, e_id in declined:
        if d_id not in known_d:
            raise ValueError(f"declined 中的需求“{d_id}”不在需求列表中")
        if e_id not in known_e:
            raise ValueError(f"declined 中的专家“{e_id}”不在专家列表中")
        declined_set.add((d_id, e_id))
    previous_pairs = previous.pair_set()
    reopened = {d_id for d_id, e_id in declined_set if (d_id, e_id) in previous_pairs}
    status = {r.demand: r.status for r in previous.demands}
    teams = {r.demand: r.team for r in previous.demands}
    new_demands = []
    frozen: set[str] = set()
    for d in problem.demands:
        # The previous team is pinned; original pins missing from it were reported as pin issues
        # and are carried over as such (pinning them again could push out an accepted pair).
        keep = [e for e in teams.get(d.id, ()) if (d.id, e) not in declined_set]
        gone = sorted(e for dd, e in declined_set if dd == d.id)
        new_demands.append(
            replace(
                d,
                pinned=tuple(dict.fromkeys(keep)),
                excluded=tuple(dict.fromkeys([*d.excluded, *gone])),
            )
        )
        if d.id not in reopened and status.get(d.id) == STAFFED:
            frozen.add(d.id)
    new_problem = Problem(
        demands=tuple(new_demands),
        experts=experts_t,
        candidates=problem.candidates if candidates is None else tuple(candidates),
        region_bonus=problem.region_bonus,
        time_limit=problem.time_limit,
    )
    result = _solve(new_problem, frozenset(frozen))
    carried = tuple(
        issue
        for issue in previous.pin_issues
        if (issue.demand, issue.expert) not in declined_set
        and issue.expert not in result.result(issue.demand).team
    )
    return replace(result, pin_issues=(*carried, *result.pin_issues)) if carried else result


def _solve(problem: Problem, frozen: frozenset[str]) -> Assignment:
    started = time.monotonic()
    deadline = None if problem.time_limit is None else started + problem.time_limit
    p = _prepare(problem, frozen)
    min_team = np.array([d.min_team for d in problem.demands], np.int64)
    cols = np.flatnonzero(p.reason == _OK)
    model = _build_model(p, cols, min_team)
    sol = _solve_model(model, p, cols, deadline)
    chosen = cols[sol.x]
    _verify(p, chosen)

    members: dict[int, list[int]] = {}
    for edge in sorted(chosen.tolist(), key=lambda e: (p.di[e], -p.weight[e], p.ej[e])):
        members.setdefault(int(p.di[edge]), []).append(edge)
    demands_of_expert: dict[int, list[int]] = {}
    for edge in chosen.tolist():
        demands_of_expert.setdefault(int(p.ej[edge]), []).append(int(p.di[edge]))
    outcome = _Outcome(
        used=np.bincount(p.ej[chosen], minlength=len(p.expert_ids)),
        demands_of_expert=demands_of_expert,
        pinned_reqs=frozenset(p.pinned_reqs),
        optimal=sol.optimal,
    )
    reqs_of: dict[int, list[int]] = {}
    for r, req in enumerate(p.requirements):
        reqs_of.setdefault(req.demand, []).append(r)

    pairs: list[Pair] = []
    results: list[DemandResult] = []
    coverage = 0
    for i, spec in enumerate(problem.demands):
        team = np.asarray(members.get(i, []), np.int64)
        mine = [p.requirements[r] for r in reqs_of.get(i, [])]
        qualifies = [req.has(team) for req in mine]
        unmet = [r for r, ok in zip(reqs_of.get(i, []), qualifies, strict=True) if not ok.any()]
        for k, edge in enumerate(team.tolist()):
            met = [req.label for req, ok in zip(mine, qualifies, strict=True) if ok[k]]
            pairs.append(_pair(problem, p, edge, met))
        coverage += min(team.size, spec.min_team)
        if team.size >= spec.min_team and not unmet:
            status = STAFFED
            explanations: list[Explanation] = []
        else:
            status = UNSTAFFED if team.size == 0 else PARTIAL
            explanations = _explain(i, problem, p, team, unmet, outcome)
        results.append(
            DemandResult(
                demand=spec.id,
                status=status,
                team=tuple(p.expert_ids[int(p.ej[e])] for e in team.tolist()),
                min_team=spec.min_team,
                max_team=spec.max_team,
                explanations=tuple(explanations),
            )
        )
    info = SolverInfo(
        method=sol.method,
        optimal=sol.optimal,
        lp_bound=sol.lp_weight,
        coverage_bonus=model.coverage_bonus,
        edges=int(cols.size),
        columns=sol.columns,
        pricing_rounds=sol.rounds,
        milp_solves=sol.milp_solves,
        seconds=time.monotonic() - started,
    )
    return Assignment(
        pairs=tuple(pairs),
        objective=float(sum(pr.weight for pr in pairs)),
        coverage=coverage,
        demands=tuple(results),
        pin_issues=tuple(p.pin_issues),
        solver=info,
        problem=problem,
    )


_LEVELS = {3: "county", 2: "city", 1: "province"}


def _pair(problem: Problem, p: _Prepared, edge: int, met: list[str]) -> Pair:
    level = _LEVELS.get(int(p.region_level[edge]))
    reasons = []
    if p.from_candidates[edge]:
        reasons.append(f"匹配分 {p.score[edge]:.3f}")
    else:
        reasons.append("不在候选列表中（按锁定保留，匹配分记 0）")
    if level:
        bonus = problem.region_bonus * REGION_FACTORS[level]
        reasons.append(f"{REGION_LABELS[level]}加分 +{bonus:.3f}")
    reasons.extend(f"满足{label}要求" for label in met)
    if p.pinned[edge]:
        reasons.append("已锁定（已接受或待答复的邀约）")
    return Pair(
        demand=p.demand_ids[int(p.di[edge])],
        expert=p.expert_ids[int(p.ej[edge])],
        score=float(p.score[edge]),
        weight=float(p.weight[edge]),
        region_match=level,
        pinned=bool(p.pinned[edge]),
        reasons=tuple(reasons),
    )


def _verify(p: _Prepared, chosen: np.ndarray) -> None:
    """Check the hard constraints on the solution (a guard against solver tolerances)."""
    if (np.bincount(p.ej[chosen], minlength=len(p.expert_ids)) > p.capacity).any():
        raise RuntimeError("内部错误：分配结果超出专家容量")
    if (np.bincount(p.di[chosen], minlength=len(p.demand_ids)) > p.team_cap).any():
        raise RuntimeError("内部错误：分配结果超出团队上限")
    if int(p.pinned[chosen].sum()) != int(p.pinned.sum()):
        raise RuntimeError("内部错误：锁定的配对未被保留")
    if (p.reason[chosen] != _OK).any():
        raise RuntimeError("内部错误：分配了被排除的配对")
    mask = np.zeros(len(p.di), bool)
    mask[chosen] = True
    for r in p.binding:
        req = p.requirements[r]
        mine = p.edges_of[req.demand][mask[p.edges_of[req.demand]]]
        if mine.size and not req.has(mine).any():
            raise RuntimeError("内部错误：需求的资质要求未被满足")
