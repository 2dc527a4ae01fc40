"""Competition arithmetic, free of Django: the final score of a contestant from his judges' marks,
the ranking with its tie rule, and the awards by counts (docs/academy.md, "Competitions").

* **Final score**: the mean of the judges' marks; with at least ``TRIM_FROM`` marks the highest
  and the lowest mark are dropped first (one each), the usual trimmed mean of skills
  competitions. Rounded half-up to 2 decimals.
* **Ranking**: by final score, higher first. Equal final scores are separated by (1) the mean of
  *all* marks (the dropped ones included), then (2) the higher lowest mark. Contestants still
  equal share the rank (并列) and the next rank is skipped (1, 1, 3).
* **Awards**: given the counts (一等奖 n1, 二等奖 n2, 三等奖 n3, 优秀奖 n4), rank ≤ n1 is 一等奖,
  ≤ n1+n2 二等奖, and so on; contestants sharing a rank therefore share the better award.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TRIM_FROM = 5
CENT = Decimal("0.01")
AWARD_ORDER = ("first", "second", "third", "excellence")


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def final_score(marks: Sequence[Decimal]) -> Decimal | None:
    """The final score of one contestant (``None`` without marks)."""
    if not marks:
        return None
    ordered = sorted(Decimal(m) for m in marks)
    if len(ordered) >= TRIM_FROM:
        ordered = ordered[1:-1]
    return _mean(ordered).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Ranked:
    key: int
    final: Decimal | None
    rank: int | None = None
    award: str = ""


def rank(marks_by_key: Mapping[int, Sequence[Decimal]]) -> list[Ranked]:
    """Rank the contestants (``key`` → marks); the unmarked come last with no rank."""
    rows: list[tuple[tuple[Decimal, ...] | None, int, Decimal | None]] = []
    for key, marks in marks_by_key.items():
        final = final_score(marks)
        tie: tuple[Decimal, ...] | None = None
        if final is not None:
            values = [Decimal(m) for m in marks]
            tie = (final, _mean(values), min(values))
        rows.append((tie, key, final))
    rows.sort(key=lambda r: (r[0] is None, tuple(-x for x in r[0]) if r[0] else (), r[1]))
    out: list[Ranked] = []
    previous: tuple[Decimal, ...] | None = None
    current = 0
    for position, (tie, key, final) in enumerate(rows, start=1):
        if tie is None:
            out.append(Ranked(key, None))
            continue
        if tie != previous:
            current = position
            previous = tie
        out.append(Ranked(key, final, current))
    return out


def assign_awards(rows: list[Ranked], counts: dict[str, int]) -> list[Ranked]:
    """Set ``award`` on ranked rows from the counts per award (see the module docstring)."""
    limits = []
    total = 0
    for award in AWARD_ORDER:
        total += max(0, int(counts.get(award, 0)))
        limits.append((total, award))
    for row in rows:
        row.award = ""
        if row.rank is None:
            continue
        for limit, award in limits:
            if row.rank <= limit:
                row.award = award
                break
    return rows
