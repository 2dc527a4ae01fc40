"""The process-level matching index, kept in step with the database without full rebuilds.

The index builder (``shared.refresh``, issue 17 point 8) holds one :class:`IndexHolder` and
publishes it as a memory-mapped snapshot; web processes rank on that and never build. On each use it
*syncs*: it asks the database which craftsmen changed since its last sync (``updated_at`` — a
profile edit, a service item or honour edit, a status change — and the confirmed matches that change
a craftsman's remaining capacity) and re-adds only those; removed or paused craftsmen are
tombstoned. Because the watermark is a database timestamp, an edit made by any process is picked up
by every other one on its next use.

Vectors come from ``CraftsmanEmbedding``: an evidence item whose text hash is stored is not encoded
again; new or changed items are encoded and written back, so the next process (or the next sync)
finds them. When more than ``JIANGQIAO_MATCH_INLINE_ENCODE_MAX`` items are missing (a fresh
database, a bulk import), the request does not encode them itself: :class:`IndexNotReady` is raised
and the caller starts the background job that computes them (:func:`embed_missing`).

Two indexes share the sync: ``experts`` (one record per craftsman, for 推荐工匠 and 平台匹配) and,
built on first use, ``items`` (one record per active service item, for 清单匹配).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .engine import DEFAULT, Expert, HashEncoder, MatchIndex, default_encoder, load_vocabulary
from .engine.dense import Encoder
from .evidence import (
    CraftsmanRow,
    evidence_for,
    expert_for,
    item_expert_for,
    item_expert_id,
    item_hash,
    item_text,
    load_craftsmen,
)

logger = logging.getLogger(__name__)

#: Rows changed this long before the last sync are checked again: a transaction that saved a row
#: before the sync but committed after it is still caught (unchanged rows are skipped by stamp).
SYNC_MARGIN = dt.timedelta(minutes=5)


class IndexNotReady(Exception):
    """Too many evidence items lack stored vectors to encode them within a request."""

    def __init__(self, missing: int) -> None:
        super().__init__(f"尚有 {missing} 条劳模工匠档案内容未计算语义向量")
        self.missing = missing


_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def get_encoder() -> Encoder:
    """The sentence encoder chosen by ``JIANGQIAO_MATCH_ENCODER`` (one per process)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            kind = getattr(settings, "JIANGQIAO_MATCH_ENCODER", "use")
            _encoder = HashEncoder() if kind == "hash" else default_encoder()
        return _encoder


def set_encoder(encoder: Encoder | None) -> None:
    """Replace the process encoder (tests count encoder calls with a wrapper)."""
    global _encoder
    with _encoder_lock:
        _encoder = encoder
    HOLDER.reset()


# ------------------------------------------------------------------------------------------------
# Stored vectors
# ------------------------------------------------------------------------------------------------


def craftsman_vectors(
    rows: list[CraftsmanRow], *, encode_limit: int | None = None
) -> dict[int, np.ndarray]:
    """Item vectors of ``rows`` (in evidence order), reusing stored ones and storing new ones.

    ``encode_limit``: raise :class:`IndexNotReady` instead of encoding more items than that.
    """
    from .models import CraftsmanEmbedding, bytes_to_vectors, vectors_to_bytes

    encoder = get_encoder()
    stored = {
        e.craftsman_id: e
        for e in CraftsmanEmbedding.objects.filter(craftsman_id__in=[r.pk for r in rows])
    }
    plans: list[tuple[CraftsmanRow, list[str], list[np.ndarray | None]]] = []
    to_encode: list[tuple[int, int, str]] = []  # (plan index, item index, text)
    for row in rows:
        evidence = evidence_for(row)
        hashes = [item_hash(ev.kind, ev.text) for ev in evidence]
        known: dict[str, np.ndarray] = {}
        record = stored.get(row.pk)
        if record is not None and record.model == encoder.name:
            vectors = bytes_to_vectors(record.vectors, len(record.item_hashes))
            if len(vectors) == len(record.item_hashes):
                known = dict(zip(record.item_hashes, vectors, strict=True))
        slots: list[np.ndarray | None] = [known.get(h) for h in hashes]
        for i, slot in enumerate(slots):
            if slot is None:
                to_encode.append((len(plans), i, evidence[i].text))
        plans.append((row, hashes, slots))
    if encode_limit is not None and len(to_encode) > encode_limit:
        raise IndexNotReady(len(to_encode))
    encode_ms: dict[int, int] = {}
    if to_encode:
        started = time.perf_counter()
        encoded = encoder.encode([text for _, _, text in to_encode])
        elapsed = int((time.perf_counter() - started) * 1000)
        per_item = elapsed / max(len(to_encode), 1)
        for row_no, (plan_no, item_no, _) in enumerate(to_encode):
            plans[plan_no][2][item_no] = encoded[row_no]
            encode_ms[plan_no] = encode_ms.get(plan_no, 0) + int(per_item)
    out: dict[int, np.ndarray] = {}
    for plan_no, (row, hashes, slots) in enumerate(plans):
        matrix = (
            np.vstack([s for s in slots if s is not None]).astype(np.float32)
            if slots
            else np.zeros((0, encoder.dim), np.float32)
        )
        out[row.pk] = matrix
        record = stored.get(row.pk)
        changed = (
            record is None
            or record.model != encoder.name
            or list(record.item_hashes) != hashes
            or plan_no in encode_ms
        )
        if changed:
            _store_craftsman(
                row.pk, encoder.name, hashes, vectors_to_bytes(matrix), encode_ms.get(plan_no, 0)
            )
    return out


def _store_craftsman(pk: int, model: str, hashes: list[str], data: bytes, ms: int) -> None:
    from .models import CraftsmanEmbedding

    values = {"model": model, "item_hashes": hashes, "vectors": data, "encode_ms": ms}
    try:
        with transaction.atomic():
            CraftsmanEmbedding.objects.update_or_create(craftsman_id=pk, defaults=values)
    except IntegrityError:
        # Another process stored the same craftsman at the same moment (or it was just deleted).
        logger.info("embedding of craftsman %s stored concurrently", pk)


def demand_vectors(demands: Iterable[Any]) -> dict[int, np.ndarray]:
    """Vectors of the demands' texts, from ``DemandEmbedding`` or encoded (and stored) now."""
    from .evidence import query_for, text_hash
    from .models import DemandEmbedding, vectors_to_bytes

    encoder = get_encoder()
    demands = list(demands)
    stored = {
        e.demand_id: e
        for e in DemandEmbedding.objects.filter(demand_id__in=[d.pk for d in demands])
    }
    out: dict[int, np.ndarray] = {}
    missing: list[tuple[Any, str, str]] = []
    for demand in demands:
        text = query_for(demand).text
        digest = text_hash(text)
        record = stored.get(demand.pk)
        vector = (
            record.as_array()
            if record is not None and record.model == encoder.name and record.text_hash == digest
            else None
        )
        if vector is None:
            missing.append((demand, text, digest))
        else:
            out[demand.pk] = vector
    if missing:
        started = time.perf_counter()
        encoded = encoder.encode([text for _, text, _ in missing])
        per = int((time.perf_counter() - started) * 1000 / len(missing))
        for (demand, _, digest), vector in zip(missing, encoded, strict=True):
            out[demand.pk] = vector
            values = {
                "model": encoder.name,
                "text_hash": digest,
                "vector": vectors_to_bytes(vector[None, :]),
                "encode_ms": per,
            }
            try:
                with transaction.atomic():
                    DemandEmbedding.objects.update_or_create(demand_id=demand.pk, defaults=values)
            except IntegrityError:
                logger.info("embedding of demand %s stored concurrently", demand.pk)
    return out


def embed_missing(
    *, batch: int = 50, progress: Callable[[int, int, str], None] | None = None
) -> dict[str, int]:
    """Compute and store the vectors of every active craftsman whose stored ones are stale."""
    from jiangqiao.talents.choices import CraftsmanStatus
    from jiangqiao.talents.models import Craftsman

    ids = list(
        Craftsman.objects.filter(status=CraftsmanStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    total = len(ids)
    if progress is not None:
        progress(0, total, "正在计算劳模工匠档案的语义向量")
    for start in range(0, total, batch):
        rows = load_craftsmen(ids[start : start + batch])
        craftsman_vectors(rows)
        if progress is not None:
            progress(min(start + batch, total), total, f"已计算 {min(start + batch, total)} 人")
    return {"craftsmen": total}


# ------------------------------------------------------------------------------------------------
# The index
# ------------------------------------------------------------------------------------------------


@dataclass
class IndexState:
    experts: MatchIndex
    stamps: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    paused: dict[int, dt.date] = field(default_factory=dict)
    items: MatchIndex | None = None
    item_owner: dict[str, int] = field(default_factory=dict)  # item record id → craftsman
    craftsman_items: dict[int, list[str]] = field(default_factory=dict)
    watermark: dt.datetime | None = None
    encoder_name: str = ""
    built_at: dt.datetime | None = None
    synced_at: dt.datetime | None = None
    last_changed: int = 0

    def unavailable(self, today: dt.date) -> set[int]:
        """Craftsmen paused until a later date (excluded from suggestions)."""
        return {pk for pk, until in self.paused.items() if until and until >= today}


class IndexHolder:
    """One per process: builds the index on first use and syncs it on every later use."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._state: IndexState | None = None

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def reset(self) -> None:
        with self._lock:
            self._state = None

    def peek(self) -> IndexState | None:
        return self._state

    def get(self, *, items: bool = False, encode_limit: int | None = None) -> IndexState:
        """The synced index (and the item index if ``items``); callers hold ``lock`` to rank."""
        with self._lock:
            encoder = get_encoder()
            if self._state is None or self._state.encoder_name != encoder.name:
                self._state = self._build(encoder, encode_limit)
            else:
                self._sync(self._state, encode_limit)
            if items and self._state.items is None:
                self._build_items(self._state, encode_limit)
            return self._state

    # -------------------------------------------------------------- build and sync

    def _build(self, encoder: Encoder, encode_limit: int | None) -> IndexState:
        started = timezone.now()
        state = IndexState(
            experts=MatchIndex(encoder, load_vocabulary(), DEFAULT), encoder_name=encoder.name
        )
        rows = load_craftsmen()
        self._add(state, rows, encode_limit)
        state.watermark = started
        state.built_at = state.synced_at = timezone.now()
        state.last_changed = len(rows)
        return state

    def _build_items(self, state: IndexState, encode_limit: int | None) -> None:
        state.items = MatchIndex(state.experts.encoder, state.experts.vocab, DEFAULT)
        rows = load_craftsmen(state.stamps.keys())
        vectors = craftsman_vectors(rows, encode_limit=encode_limit)
        self._add_items(state, rows, vectors)

    def _changed_ids(self, state: IndexState) -> set[int]:
        from jiangqiao.talents.models import Craftsman

        from .choices import SuggestionStatus
        from .models import MatchSuggestion

        since = (state.watermark or timezone.now()) - SYNC_MARGIN
        changed = set(Craftsman.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
        changed |= set(
            MatchSuggestion.objects.filter(
                Q(updated_at__gte=since)
                | Q(demand__updated_at__gte=since, status=SuggestionStatus.CONFIRMED)
            ).values_list("craftsman_id", flat=True)
        )
        return changed

    def _sync(self, state: IndexState, encode_limit: int | None) -> None:
        from jiangqiao.talents.selectors import matchable_craftsmen

        started = timezone.now()
        changed = self._changed_ids(state)
        active = matchable_craftsmen()
        if active.count() != len(state.stamps):
            # A craftsman vanished without a timestamp (deleted): reconcile the id sets.
            current = set(active.values_list("pk", flat=True))
            changed |= current ^ set(state.stamps)
        if changed:
            rows = load_craftsmen(changed)
            fresh = {r.pk: r for r in rows}
            gone = [pk for pk in changed if pk not in fresh and pk in state.stamps]
            self._remove(state, gone)
            todo = [r for r in rows if state.stamps.get(r.pk) != r.stamp]
            if todo:
                self._add(state, todo, encode_limit)
            state.last_changed = len(todo) + len(gone)
        else:
            state.last_changed = 0
        state.watermark = started
        state.synced_at = timezone.now()

    def _remove(self, state: IndexState, ids: list[int]) -> None:
        if not ids:
            return
        state.experts.remove(str(pk) for pk in ids)
        for pk in ids:
            state.stamps.pop(pk, None)
            state.paused.pop(pk, None)
            for item_id in state.craftsman_items.pop(pk, []):
                state.item_owner.pop(item_id, None)
                if state.items is not None:
                    state.items.remove([item_id])

    def _add(self, state: IndexState, rows: list[CraftsmanRow], encode_limit: int | None) -> None:
        vectors = craftsman_vectors(rows, encode_limit=encode_limit)
        experts: list[Expert] = []
        embeddings: dict[str, np.ndarray] = {}
        for row in rows:
            expert = expert_for(row)
            experts.append(expert)
            embeddings[expert.id] = vectors[row.pk]
            state.stamps[row.pk] = row.stamp
            if row.pause_until:
                state.paused[row.pk] = row.pause_until
            else:
                state.paused.pop(row.pk, None)
        state.experts.add(experts, embeddings=embeddings)
        if state.items is not None:
            self._add_items(state, rows, vectors)

    def _add_items(
        self, state: IndexState, rows: list[CraftsmanRow], vectors: dict[int, np.ndarray]
    ) -> None:
        assert state.items is not None
        records: list[Expert] = []
        embeddings: dict[str, np.ndarray] = {}
        for row in rows:
            old = state.craftsman_items.pop(row.pk, [])
            if old:
                state.items.remove(old)
                for item_id in old:
                    state.item_owner.pop(item_id, None)
            matrix = vectors.get(row.pk)
            hashes = [item_hash(ev.kind, ev.text) for ev in evidence_for(row)]
            by_hash = (
                dict(zip(hashes, matrix, strict=True))
                if matrix is not None and len(matrix) == len(hashes)
                else {}
            )
            ids: list[str] = []
            for item in row.items:
                record = item_expert_for(row, item)
                vector = by_hash.get(item_hash("service_item", item_text(item)))
                if vector is not None:
                    embeddings[record.id] = vector[None, :]
                records.append(record)
                ids.append(record.id)
                state.item_owner[record.id] = row.pk
            state.craftsman_items[row.pk] = ids
        state.items.add(records, embeddings=embeddings)


HOLDER = IndexHolder()


def item_pk(record_id: str) -> int:
    return int(record_id[1:])


__all__ = [
    "HOLDER",
    "IndexHolder",
    "IndexNotReady",
    "IndexState",
    "craftsman_vectors",
    "demand_vectors",
    "embed_missing",
    "get_encoder",
    "item_expert_id",
    "item_pk",
    "set_encoder",
]
