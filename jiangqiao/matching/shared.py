"""The shared matching index (issue 17, point 8): built by one builder, mapped by every process.

*Builder.* :func:`refresh` runs in the periodic worker (``run_periodic --loop``, every
``JIANGQIAO_MATCH_INDEX_REFRESH_SECONDS``; ``make run`` starts it). It keeps the process index of
:mod:`.indexing` (full build on its first run, then the incremental sync by ``updated_at``
watermark), and when anything changed it writes a new *generation* of the snapshot under
``JIANGQIAO_MATCH_INDEX_DIR`` (:mod:`.engine.snapshot`: ``.npy`` files, segments written once) and
switches ``CURRENT`` to it. A file lock keeps a second builder on the same directory idle.

*Readers.* Web processes and jobs call :func:`state`: it maps the current generation (once per
generation, no build, no encoding of craftsmen) and looks for a newer one at most every
``JIANGQIAO_MATCH_INDEX_CHECK_SECONDS``. Without any snapshot it raises :class:`IndexNotBuilt`
(the pages say the index is being built); a partial or corrupt generation is logged and skipped,
the previous one stays in use. A process that still ranks on an older generation keeps its
mappings even after the builder removed the files.

Tests set ``JIANGQIAO_MATCH_INDEX_INLINE``: :func:`state` then runs :func:`refresh` itself first,
so a test sees its own writes at once through exactly the same files.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from .engine import DEFAULT, load_vocabulary
from .engine import snapshot as snap
from .indexing import HOLDER, IndexNotReady, IndexState, get_encoder

logger = logging.getLogger(__name__)

STATE = "state.json"
CHECKED = "CHECKED"
WAITING = "WAITING"


class IndexNotBuilt(IndexNotReady):
    """No snapshot of the matching index has been published yet (the builder is working)."""

    def __init__(self) -> None:
        Exception.__init__(self, "匹配索引正在后台构建，完成后即可显示推荐")
        self.missing = 0


def index_dir() -> Path:
    return Path(getattr(settings, "JIANGQIAO_MATCH_INDEX_DIR", Path("var") / "match-index"))


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# ------------------------------------------------------------------------------------------------
# What a reader holds
# ------------------------------------------------------------------------------------------------


@dataclass
class SharedState:
    """One mapped generation: the two indexes plus the app's per-craftsman facts."""

    generation: str
    experts: snap.FrozenIndex
    items: snap.FrozenIndex
    paused: dict[int, dt.date]
    item_ids: snap.Strings  # live item records, parallel to item_owners
    item_owners: np.ndarray
    item_owner: snap.Lookup  # item record id → craftsman
    encoder_name: str
    built_at: dt.datetime | None
    synced_at: dt.datetime | None

    def unavailable(self, today: dt.date) -> set[int]:
        """Craftsmen paused until a later date (excluded from suggestions)."""
        return {pk for pk, until in self.paused.items() if until and until >= today}

    def allowed_items(self, visible: set[int] | None, blocked: Iterable[int]) -> list[str]:
        """Item record ids of the craftsmen in ``visible`` (None: all) and not in ``blocked``."""
        keep = ~np.isin(self.item_owners, np.fromiter(blocked, dtype=np.int64))
        if visible is not None:
            keep &= np.isin(self.item_owners, np.fromiter(visible, dtype=np.int64))
        return [self.item_ids[i] for i in np.flatnonzero(keep)]

    @property
    def records(self) -> int:
        return len(self.experts)


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _open(root: Path, name: str) -> SharedState:
    folder = root / "generations" / name
    meta = snap.read_json(folder / STATE)
    encoder = get_encoder()
    vocab = load_vocabulary()
    experts = snap.open_index(
        root, folder / "experts", encoder=encoder, vocab=vocab, config=DEFAULT
    )
    items = snap.open_index(root, folder / "items", encoder=encoder, vocab=vocab, config=DEFAULT)
    item_ids = snap.load_strings(folder, "item_ids")
    owners = snap.load(folder, "item_owners")
    if len(owners) != len(item_ids):
        raise snap.SnapshotError("服务项目与其所属工匠的条数不一致")
    return SharedState(
        generation=name,
        experts=experts,
        items=items,
        paused={int(pk): dt.date.fromisoformat(d) for pk, d in meta["paused"].items()},
        item_ids=item_ids,
        item_owners=owners,
        item_owner=snap.load_lookup(folder, "item_owner"),
        encoder_name=meta["encoder"],
        built_at=_moment(meta.get("built_at")),
        synced_at=_moment(meta.get("synced_at")),
    )


class SharedReader:
    """One per process: the generation it ranks on, re-checked every few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: SharedState | None = None
        self._checked = -1e18
        self._bad: set[str] = set()

    def reset(self) -> None:
        with self._lock:
            self._state = None
            self._checked = -1e18
            self._bad.clear()

    def peek(self) -> SharedState | None:
        return self._state

    def get(self) -> SharedState:
        """The newest readable generation; :class:`IndexNotBuilt` when there is none."""
        if _setting("JIANGQIAO_MATCH_INDEX_INLINE", False):
            refresh()
        now = time.monotonic()
        every = float(_setting("JIANGQIAO_MATCH_INDEX_CHECK_SECONDS", 2.0))
        state = self._state
        if state is None or now - self._checked >= every:
            with self._lock:
                self._checked = now
                root = index_dir()
                name = snap.current(root)
                held = self._state.generation if self._state is not None else None
                if name and name != held and name not in self._bad:
                    try:
                        self._state = _open(root, name)
                    except (snap.SnapshotError, OSError, ValueError, KeyError) as exc:
                        self._bad.add(name)
                        logger.error("匹配索引快照 %s 无法使用，继续使用上一版本：%s", name, exc)
                state = self._state
        if state is None:
            missing = _waiting(index_dir())
            if missing:
                raise IndexNotReady(missing)
            raise IndexNotBuilt()
        if state.encoder_name != get_encoder().name:
            logger.error("匹配索引快照的语义模型 %s 与本进程不一致", state.encoder_name)
            raise IndexNotBuilt()
        return state


READER = SharedReader()


def _waiting(root: Path) -> int:
    """Evidence items the builder waits for (their vectors are not computed yet), or 0."""
    try:
        return int((root / WAITING).read_text(encoding="utf-8").strip() or 0)
    except (OSError, ValueError):
        return 0


def state() -> SharedState:
    """The shared index to rank on (never builds it: see the module docstring)."""
    return READER.get()


# ------------------------------------------------------------------------------------------------
# The builder
# ------------------------------------------------------------------------------------------------


@dataclass
class _Written:
    state: IndexState | None = None
    generation: str | None = None
    dirty: bool = True


_WRITTEN = _Written()


@contextmanager
def _writer_lock(root: Path) -> Iterator[bool]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _fragmented(state: IndexState) -> bool:
    """Too many incremental segments (each sync with changes appends one): rebuild in full."""
    limit = int(_setting("JIANGQIAO_MATCH_INDEX_MAX_SEGMENTS", 100))
    return len(state.experts.segments) > limit


def refresh(*, force: bool = False) -> dict[str, Any]:
    """Bring the snapshot up to date with the database (the builder's periodic work).

    Returns what happened: ``{"generation", "changed", "written"}`` or ``{"skipped": why}``."""
    root = index_dir()
    snap.FSYNC = bool(_setting("JIANGQIAO_MATCH_INDEX_FSYNC", True))
    with _writer_lock(root) as locked:
        if not locked:
            return {"skipped": "另一个进程正在更新匹配索引"}
        with HOLDER.lock:
            limit = int(_setting("JIANGQIAO_MATCH_INLINE_ENCODE_MAX", 300))
            try:
                indexed = HOLDER.get(items=True, encode_limit=limit)
                if _fragmented(indexed):
                    HOLDER.reset()
                    indexed = HOLDER.get(items=True, encode_limit=limit)
            except IndexNotReady as exc:
                # A fresh database or a bulk import: the embedding job computes the vectors
                # (started from the first page that asks, see views._not_ready); until then the
                # published generation, if any, stays in use.
                (root / WAITING).write_text(str(exc.missing), encoding="utf-8")
                logger.warning("匹配索引等待语义向量：尚有 %s 条未计算", exc.missing)
                return {"waiting": exc.missing}
            (root / WAITING).unlink(missing_ok=True)
            published = snap.current(root)
            if indexed is not _WRITTEN.state or indexed.last_changed:
                _WRITTEN.dirty = True
            if published is None or published != _WRITTEN.generation:
                _WRITTEN.dirty = True
            _WRITTEN.state = indexed
            changed = indexed.last_changed
            if _WRITTEN.dirty or force:
                _WRITTEN.generation = _write(root, indexed)
                _WRITTEN.dirty = False
                snap.prune(root, keep=int(_setting("JIANGQIAO_MATCH_INDEX_KEEP", 3)))
                written = True
            else:
                written = False
            _mark_checked(root, indexed)
    return {"generation": _WRITTEN.generation, "changed": changed, "written": written}


def _stamp(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _mark_checked(root: Path, indexed: IndexState) -> None:
    """When the builder last compared the snapshot with the database (the index's freshness)."""
    tmp = root / f".{CHECKED}.tmp"
    tmp.write_text(_stamp(indexed.synced_at) or "", encoding="utf-8")
    tmp.replace(root / CHECKED)


def _write(root: Path, indexed: IndexState) -> str:
    assert indexed.items is not None
    name, tmp = snap.new_generation(root)
    snap.write_index(indexed.experts, root, tmp / "experts")
    snap.write_index(indexed.items, root, tmp / "items")
    ids = sorted(indexed.item_owner)
    owners = np.array([indexed.item_owner[i] for i in ids], dtype=np.int64)
    snap.save_strings(tmp, "item_ids", ids)
    snap.save(tmp, "item_owners", owners)
    snap.save_lookup(tmp, "item_owner", ids, owners)
    snap.write_json(
        tmp / STATE,
        {
            "encoder": indexed.encoder_name,
            "paused": {str(pk): d.isoformat() for pk, d in indexed.paused.items() if d},
            "built_at": _stamp(indexed.built_at),
            "synced_at": _stamp(indexed.synced_at),
            "written_at": _stamp(timezone.now()),
            "craftsmen": len(indexed.stamps),
        },
    )
    snap.publish(root, name, tmp)
    logger.info("匹配索引快照 %s 已发布（%s 位劳模工匠）", name, len(indexed.stamps))
    return name


def freshness() -> dict[str, Any]:
    """The published generation and when the builder last synced it (for ``/healthz``)."""
    root = index_dir()
    name = snap.current(root)
    if name is None:
        return {"generation": None}
    try:
        meta = snap.read_json(root / "generations" / name / STATE)
    except snap.SnapshotError:
        return {"generation": name, "readable": False}
    try:
        checked = _moment((root / CHECKED).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        checked = None
    return {
        "generation": name,
        "readable": True,
        "craftsmen": meta.get("craftsmen"),
        "built_at": _moment(meta.get("built_at")),
        "written_at": _moment(meta.get("written_at")),
        "checked_at": checked or _moment(meta.get("synced_at")),
    }


def reset(*, remove_files: bool = False) -> None:
    """Forget the builder's and the reader's state; tests also remove the snapshot files."""
    _WRITTEN.state = None
    _WRITTEN.generation = None
    _WRITTEN.dirty = True
    READER.reset()
    if remove_files:
        shutil.rmtree(index_dir(), ignore_errors=True)
