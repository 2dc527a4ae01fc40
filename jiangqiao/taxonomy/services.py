"""Loading the reference data into the ``Term`` table.

:func:`load_all` is what ``manage.py load_reference_data``, ``make run``, tests and background
jobs call. It is idempotent: rows are matched on ``(scheme, code)``, only changed rows are
written, and a second run reports everything as unchanged. Each scheme is loaded in its own
transaction with ``bulk_create``/``bulk_update`` in batches. Entries that disappear from a
source are marked inactive, never deleted, so codes stored elsewhere keep their label.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from .choices import SCHEMES, Scheme
from .keys import search_keys
from .models import Term
from .selectors import clear_term_cache
from .sources import TermRow, read_scheme

BATCH_SIZE = 500
PATH_SEPARATOR = "/"
PATH_LABEL_SEPARATOR = " / "

#: Columns written by the loader (everything except the key and the timestamps).
LOADED_FIELDS: tuple[str, ...] = (
    "name",
    "level",
    "parent_code",
    "path",
    "path_label",
    "version",
    "description",
    "note",
    "tasks",
    "sort",
    "rank",
    "weight",
    "extra",
    "search_name",
    "initials",
    "pinyin",
    "is_active",
)


class Writer(Protocol):
    """Anything with ``write(text)``: a file, ``sys.stdout``, a command's ``self.stdout``."""

    def write(self, text: str, /) -> Any: ...


@dataclass
class LoadResult:
    """What loading one scheme did."""

    scheme: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    total: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        label = SCHEMES[self.scheme].label
        return (
            f"{self.scheme}（{label}）：新增 {self.created}，更新 {self.updated}，"
            f"未变 {self.unchanged}，停用 {self.deactivated}，共 {self.total} 条，"
            f"用时 {self.seconds:.2f} 秒"
        )


def _paths(rows: list[TermRow]) -> dict[str, tuple[str, str]]:
    """``code -> (path, path_label)``; an unknown parent makes the row a root."""
    by_code = {row.code: row for row in rows}
    result: dict[str, tuple[str, str]] = {}

    def resolve(code: str, seen: frozenset[str]) -> tuple[str, str]:
        if code in result:
            return result[code]
        row = by_code[code]
        parent = row.parent_code
        if parent and parent in by_code and parent not in seen:
            parent_path, parent_label = resolve(parent, seen | {code})
            value = (
                f"{parent_path}{PATH_SEPARATOR}{code}",
                f"{parent_label}{PATH_LABEL_SEPARATOR}{row.name}",
            )
        else:
            value = (code, row.name)
        result[code] = value
        return value

    for row in rows:
        resolve(row.code, frozenset())
    return result


def prepare_rows(scheme: str, rows: list[TermRow]) -> dict[str, dict[str, Any]]:
    """Field values of every row as they will be stored: ``code -> {field: value}``."""
    version = SCHEMES[scheme].version
    paths = _paths(rows)
    prepared: dict[str, dict[str, Any]] = {}
    for sort, row in enumerate(rows, start=1):
        keys = search_keys(scheme, row.name)
        path, path_label = paths[row.code]
        prepared[row.code] = {
            "name": row.name,
            "level": row.level,
            "parent_code": row.parent_code,
            "path": path,
            "path_label": path_label,
            "version": version,
            "description": row.description,
            "note": row.note,
            "tasks": row.tasks,
            "sort": sort,
            "rank": row.rank,
            "weight": row.weight,
            "extra": row.extra,
            "search_name": keys.search_name,
            "initials": keys.initials,
            "pinyin": keys.pinyin,
            "is_active": True,
        }
    return prepared


def load_scheme(scheme: str, *, rows: list[TermRow] | None = None) -> LoadResult:
    """Load one scheme from its source (or from ``rows``) in one transaction."""
    started = time.perf_counter()
    prepared = prepare_rows(scheme, rows if rows is not None else read_scheme(scheme))
    result = LoadResult(scheme=scheme, total=len(prepared))
    now = timezone.now()
    with transaction.atomic():
        existing = {term.code: term for term in Term.objects.filter(scheme=scheme)}
        to_create: list[Term] = []
        to_update: list[Term] = []
        changed_fields: set[str] = set()
        for code, values in prepared.items():
            term = existing.get(code)
            if term is None:
                to_create.append(Term(scheme=scheme, code=code, **values))
                continue
            changed = [name for name, value in values.items() if getattr(term, name) != value]
            if not changed:
                result.unchanged += 1
                continue
            for name in changed:
                setattr(term, name, values[name])
            term.updated_at = now
            changed_fields.update(changed)
            to_update.append(term)
        result.created = len(to_create)
        result.updated = len(to_update)
        for code, term in existing.items():
            if code not in prepared and term.is_active:
                term.is_active = False
                term.updated_at = now
                changed_fields.add("is_active")
                to_update.append(term)
                result.deactivated += 1
        if to_create:
            Term.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            Term.objects.bulk_update(
                to_update, sorted(changed_fields | {"updated_at"}), batch_size=BATCH_SIZE
            )
        if result.changed:
            transaction.on_commit(clear_term_cache)
    result.seconds = time.perf_counter() - started
    return result


def load_all(
    stdout: Writer | None = None, *, schemes: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Load every scheme (or only ``schemes``) and return the counts per scheme.

    The result maps each scheme to ``{created, updated, unchanged, deactivated, total, seconds}``.
    When ``stdout`` is given, one line per scheme and a closing line are written to it.
    """
    selected = list(schemes) if schemes is not None else list(Scheme.values)
    unknown = [scheme for scheme in selected if scheme not in SCHEMES]
    if unknown:
        raise ValueError(f"未知的分类方案：{', '.join(unknown)}")
    started = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    for scheme in selected:
        result = load_scheme(scheme)
        results[scheme] = result.as_dict()
        if stdout is not None:
            stdout.write(result.summary() + "\n")
    if stdout is not None:
        elapsed = time.perf_counter() - started
        if any(r["created"] or r["updated"] or r["deactivated"] for r in results.values()):
            stdout.write(f"参考数据已加载，用时 {elapsed:.2f} 秒。\n")
        else:
            stdout.write(f"参考数据已是最新，无任何变化（用时 {elapsed:.2f} 秒）。\n")
    return results
