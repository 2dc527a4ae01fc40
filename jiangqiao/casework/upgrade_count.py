"""The once-a-year rule of 技能提升人次 (docs/kpi.md §1), kept on the rows as they are written.

An upgrade counts on its certificate date. Within one calendar year a later record is a
duplicate — never counted — when it repeats an earlier record's **worker key** (the enterprise of
the session, or the source for training, + the worker code + occupation + level reached) or its
**certificate key** (certificate number + occupation + level reached): a certificate recorded by a
session and by a class, or the same worker upgraded twice to the same level, is one upgrade.
"Earlier" is by certificate date, then by record id.

The rule is decided over **all** records, whoever may read them: each record's ``counted`` flag
says whether it is the first of its keys in its year. So a unit's count is the sum of its
subunits' counts (a duplicate is dropped where it was recorded second), a count is one indexed
aggregate (``counted`` + ``issued_on``), and a reader who cannot see the first record of a pair
still does not count the second — which the unit that recorded the first counts.

Every service that writes an upgrade calls :func:`refresh` with the rows it touched (before and
after the change: a changed date or a deleted row can promote another). :func:`refresh` closes
over the records linked to them by shared keys in the same year and recomputes their flags;
:func:`recount_all` recomputes every flag (after a bulk load; the tests compare both).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from jiangqiao.core import rollups

from .choices import UpgradeSource
from .session_models import SkillUpgrade

#: (year, key) — ``key`` is ``"w:" + worker key`` or ``"c:" + certificate key``.
Seed = tuple[int, str]


def keys_for(row: SkillUpgrade, enterprise_id: Any = None) -> tuple[str, str]:
    """The worker and certificate keys of ``row`` (``enterprise_id``: its session's demand's)."""
    namespace = str(enterprise_id) if row.source == UpgradeSource.SESSION else str(row.source)
    code = (row.worker_code or "").upper()
    worker = f"{namespace}|{code}|{row.occupation}|{row.level_after}"
    certificate = (
        f"{row.certificate_no.upper()}|{row.occupation}|{row.level_after}"
        if row.certificate_no
        else ""
    )
    return worker, certificate


def set_keys(row: SkillUpgrade) -> None:
    """Fill ``row``'s keys before it is saved."""
    enterprise_id = None
    if row.source == UpgradeSource.SESSION and row.session_id:
        from .session_models import ServiceRecord

        enterprise_id = (
            ServiceRecord.objects.filter(pk=row.session_id)
            .values_list("demand__enterprise_id", flat=True)
            .first()
        )
    row.worker_key, row.certificate_key = keys_for(row, enterprise_id)


def seeds_of(rows: Iterable[Any]) -> set[Seed]:
    """The (year, key) pairs of rows (model instances or dicts with the same fields)."""
    out: set[Seed] = set()
    for row in rows:
        values: dict[str, Any] = (
            row
            if isinstance(row, dict)
            else {k: getattr(row, k) for k in ("issued_on", "worker_key", "certificate_key")}
        )
        year = values["issued_on"].year
        out.add((year, "w:" + str(values["worker_key"])))
        if values["certificate_key"]:
            out.add((year, "c:" + str(values["certificate_key"])))
    return out


def _year_rows(year: int, keys: set[str]) -> list[dict[str, Any]]:
    workers = [k[2:] for k in keys if k.startswith("w:")]
    certificates = [k[2:] for k in keys if k.startswith("c:")]
    match = Q(worker_key__in=workers) | Q(certificate_key__in=certificates)
    return list(
        SkillUpgrade.objects.filter(
            match, issued_on__gte=dt.date(year, 1, 1), issued_on__lte=dt.date(year, 12, 31)
        ).values("pk", "org_id", "issued_on", "worker_key", "certificate_key", "counted")
    )


def _apply(rows: Iterable[dict[str, Any]], model: Any = SkillUpgrade) -> int:
    """Recompute the flags of a closed set of rows (every row sharing a key with one of them in
    its year is in the set); returns how many flags changed."""
    seen: set[Seed] = set()
    on: list[int] = []
    off: list[int] = []
    for row in sorted(rows, key=lambda r: (r["issued_on"], r["pk"])):
        keys = seeds_of([row])
        first = not (keys & seen)
        seen |= keys
        if first != row["counted"]:
            (on if first else off).append(row["pk"])
    if on:
        model._base_manager.filter(pk__in=on).update(counted=True)
    if off:
        model._base_manager.filter(pk__in=off).update(counted=False)
    return len(on) + len(off)


def refresh(seeds: Iterable[Seed]) -> int:
    """Recompute the flags of the records linked (by shared keys, in the same year) to ``seeds``
    — the (year, key) pairs of the rows a write touched, before and after it."""
    pending = set(seeds)
    done: set[Seed] = set()
    rows: dict[int, dict[str, Any]] = {}
    while pending - done:
        batch = pending - done
        done |= batch
        by_year: dict[int, set[str]] = {}
        for year, key in batch:
            by_year.setdefault(year, set()).add(key)
        for year, keys in by_year.items():
            for row in _year_rows(year, keys):
                if row["pk"] not in rows:
                    rows[row["pk"]] = row
                    pending |= seeds_of([row])
    changed = _apply(rows.values())
    # 技能提升人次 of these records' units and days (a record written, or one whose flag moved).
    rollups.changed((row["org_id"], row["issued_on"]) for row in rows.values())
    return changed


def recount_all(model: Any = SkillUpgrade) -> int:
    """Recompute every flag from the rows (after a bulk load; ``model``: the migration's
    historical model); returns how many changed."""
    rows = model._base_manager.all()
    years = {d.year for d in rows.dates("issued_on", "year")}
    changed = 0
    for year in sorted(years):
        changed += _apply(
            rows.filter(
                issued_on__gte=dt.date(year, 1, 1), issued_on__lte=dt.date(year, 12, 31)
            ).values("pk", "issued_on", "worker_key", "certificate_key", "counted"),
            model,
        )
    return changed


def rekey_all(model: Any = SkillUpgrade) -> int:
    """Fill every record's keys from its fields (the migration and bulk loads), in batches."""
    from django.db.models import F

    rows = model._base_manager.annotate(enterprise=F("session__demand__enterprise_id"))
    batch: list[Any] = []
    n = 0
    for row in rows.order_by("pk").iterator(chunk_size=2000):
        row.worker_key, row.certificate_key = keys_for(row, row.enterprise)
        batch.append(row)
        if len(batch) >= 2000:
            model._base_manager.bulk_update(batch, ["worker_key", "certificate_key"])
            n += len(batch)
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, ["worker_key", "certificate_key"])
        n += len(batch)
    return n
