"""Readers for the reference data files kept in ``jiangqiao/taxonomy/data/``.

Each reader returns the rows of one scheme as :class:`TermRow` objects, in source order. The
readers only parse and tidy the files (see ``data/PROVENANCE.md``); the loader in
:mod:`jiangqiao.taxonomy.services` derives paths and search keys and writes the table.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .choices import Scheme
from .codelists import CODE_LISTS

DATA_DIR = Path(__file__).resolve().parent / "data"
INDUSTRY_FILE = DATA_DIR / "industry_gbt4754_2017.csv"
REGION_FILE = DATA_DIR / "divisions_gbt2260.json"
OCCUPATION_FILE = DATA_DIR / "occupations_2022.csv"

#: Prefecture-level cities that are not provincial capitals but rank as 副省级 (计划单列市).
SEPARATELY_PLANNED_CITIES = frozenset({"210200", "330200", "350200", "370200", "440300"})


@dataclass
class TermRow:
    """One entry as read from a source, before derived fields are computed."""

    code: str
    name: str
    level: int = 1
    parent_code: str = ""
    description: str = ""
    note: str = ""
    tasks: str = ""
    rank: int | None = None
    weight: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _clean(value: str | None) -> str:
    return (value or "").strip()


def read_industries(path: Path = INDUSTRY_FILE) -> list[TermRow]:
    """GB/T 4754-2017: 门类 (A–T), 大类 (2 digits), 中类 (3), 小类 (4)."""
    rows: list[TermRow] = []
    with path.open(encoding="utf-8", newline="") as f:
        for record in csv.DictReader(f):
            extra: dict[str, Any] = {"section": _clean(record["section"])}
            if source := _clean(record.get("source")):
                extra["source"] = source
            rows.append(
                TermRow(
                    code=_clean(record["code"]),
                    name=_clean(record["name"]),
                    level=int(record["level"]),
                    parent_code=_clean(record["parent_code"]),
                    description=_clean(record["description"]),
                    note=_clean(record["note"]),
                    extra=extra,
                )
            )
    return rows


def _region_weight(level: int, code: str) -> tuple[int, dict[str, Any]]:
    """Search weight: provinces, provincial capitals and 计划单列市 first, then prefectures."""
    if level == 1:
        return 3, {}
    if level == 2:
        if code.endswith("0100"):
            return 3, {"provincial_capital": True}
        if code in SEPARATELY_PLANNED_CITIES:
            return 3, {"separately_planned": True}
        return 1, {}
    return 0, {}


def read_regions(path: Path = REGION_FILE) -> list[TermRow]:
    """GB/T 2260: 省级 (1), 地级 (2), 县级 (3). Township rows (level 4) are ignored."""
    with path.open(encoding="utf-8") as f:
        payload = json.load(f)
    rows: list[TermRow] = []
    for level, code, parent_code, name in payload["divisions"]:
        if int(level) > 3:
            continue
        weight, extra = _region_weight(int(level), code)
        rows.append(
            TermRow(
                code=code,
                name=name,
                level=int(level),
                parent_code=parent_code or "",
                weight=weight,
                extra=extra,
            )
        )
    return rows


def read_occupation_records(path: Path = OCCUPATION_FILE) -> list[dict[str, str]]:
    """The raw rows of the occupation file (2,051, duplicates included)."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _occupation_parent(code: str, known: set[str]) -> str:
    """Nearest listed ancestor of an occupation code ``d-dd-dd-dd``.

    The file lists every 细类 but not every 小类/中类, so the parent is the closest of
    ``d-dd-dd-00``, ``d-dd-00-00``, ``d-00-00-00`` that exists.
    """
    major, middle, minor, _unit = code.split("-")
    for candidate in (
        f"{major}-{middle}-{minor}-00",
        f"{major}-{middle}-00-00",
        f"{major}-00-00-00",
    ):
        if candidate != code and candidate in known and candidate < code:
            return candidate
    return ""


def read_occupations(path: Path = OCCUPATION_FILE) -> list[TermRow]:
    """职业分类大典 2022: 大类 (1), 中类 (2), 小类 (3), 细类 (4).

    The source repeats four codes (three exact duplicate rows, and ``2-03-01-00`` which is both
    a 小类 and its only 细类). Rows with the same code are merged: the deepest level wins and
    non-empty fields are kept; ``extra.source_levels`` records the merged levels.
    """
    merged: dict[str, TermRow] = {}
    for record in read_occupation_records(path):
        code = _clean(record["code"])
        row = TermRow(
            code=code,
            name=_clean(record["name"]),
            level=int(record["level"]),
            description=_clean(record["definition"]),
            tasks=_clean(record["tasks"]),
        )
        previous = merged.get(code)
        if previous is None:
            merged[code] = row
            continue
        levels = sorted({*previous.extra.get("source_levels", [previous.level]), row.level})
        deeper, other = (row, previous) if row.level >= previous.level else (previous, row)
        deeper.description = deeper.description or other.description
        deeper.tasks = deeper.tasks or other.tasks
        if len(levels) > 1:
            deeper.extra = {"source_levels": levels}
        merged[code] = deeper
    known = set(merged)
    for row in merged.values():
        row.parent_code = _occupation_parent(row.code, known) if row.level > 1 else ""
    return list(merged.values())


def read_code_list(scheme: str) -> list[TermRow]:
    """A small code list from :mod:`jiangqiao.taxonomy.codelists`."""
    return [
        TermRow(
            code=entry.code,
            name=entry.name,
            level=2 if entry.parent_code else 1,
            parent_code=entry.parent_code,
            description=entry.description,
            rank=entry.rank,
            extra=dict(entry.extra),
        )
        for entry in CODE_LISTS[scheme]
    ]


READERS: dict[str, Callable[[], list[TermRow]]] = {
    Scheme.INDUSTRY: read_industries,
    Scheme.REGION: read_regions,
    Scheme.OCCUPATION: read_occupations,
}


def read_scheme(scheme: str) -> list[TermRow]:
    """All rows of ``scheme`` from its data file or code list."""
    reader = READERS.get(scheme)
    return reader() if reader else read_code_list(scheme)
