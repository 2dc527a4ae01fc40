"""A :class:`MatchIndex` written to disk once and memory-mapped by every process that ranks.

Layout of a snapshot directory (``root``)::

    segments/<uid>/      one immutable segment (written once, shared by every generation using it):
                         sparse matrices, dense vectors, centroids, item texts, the experts it added
    generations/<name>/  one published state: which segments, which items and experts are alive,
                         document frequencies, the word and gram tables, structured arrays and
                         inverted lists, the id → position table (one sub-directory per index)
    CURRENT              the name of the generation to use (replaced atomically)

Every array is an ``.npy`` file opened with ``np.load(mmap_mode="r")``: the pages live in the
operating system's page cache once, whatever the number of processes reading them. Text (item
texts, expert records, words) is stored as one UTF-8 byte array plus offsets and decoded only for
what a ranking touches (the query's words, the top experts' explanations).

A writer appends: segments already on disk are not written again, so after an incremental change
a new generation costs the new small segment plus the per-generation arrays. Directories are
written under a temporary name, flushed (``fsync``) and renamed; ``CURRENT`` is replaced last.
A reader keeps the generation it opened (its mappings stay valid after the files are removed).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .dense import Encoder
from .fusion import DEFAULT, FusionConfig
from .index import MatchIndex, _Segment
from .model import Evidence, Expert
from .vocab import Vocabulary

FORMAT = 1
CURRENT = "CURRENT"
#: Flush every file to disk before it is published (off in tests only: a crash there loses nothing).
FSYNC = True
META = "meta.json"
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_TABLES = ("_industry", "_occupation", "_region", "_served")
_STRUCTURED = ("skill", "capacity", "record", "honour", "onsite_ok", "online_ok", "cross")


class SnapshotError(Exception):
    """A snapshot directory is missing, partial or of another format."""


# ------------------------------------------------------------------------------------------------
# Building blocks: strings and a hash table over them
# ------------------------------------------------------------------------------------------------


def hash_keys(keys: Sequence[str]) -> np.ndarray:
    """FNV-1a (64 bit) of each key's UTF-8 bytes, vectorised over the keys."""
    if not len(keys):
        return np.zeros(0, dtype=np.uint64)
    raw = np.array([k.encode() for k in keys], dtype=bytes)
    width = raw.dtype.itemsize
    matrix = raw.view(np.uint8).reshape(len(keys), width)
    h = np.full(len(keys), _FNV_OFFSET, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(width):
            col = matrix[:, c].astype(np.uint64)
            h = np.where(col != 0, (h ^ col) * _FNV_PRIME, h)
    return h


def hash_key(key: str) -> int:
    """:func:`hash_keys` of one key, without numpy's per-call overhead."""
    h = 0xCBF29CE484222325
    for byte in key.encode():
        if byte:
            h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


class Strings(Sequence[str]):
    """A read-only list of strings: UTF-8 bytes and offsets (``name.blob.npy``/``name.off.npy``)."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.blob = blob
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        return bytes(self.blob[self.offsets[i] : self.offsets[i + 1]]).decode()


class Lookup(Mapping[str, int]):
    """``key → value`` through sorted 64-bit hashes; ``verify`` (when given) rules out a collision
    by comparing the key with ``verify[value]``. Without it, equal hashes count as equal keys (at
    100,000 keys the chance of any collision is about 3 × 10⁻¹⁰)."""

    def __init__(
        self, hashes: np.ndarray, values: np.ndarray, verify: Sequence[str] | None = None
    ) -> None:
        self.hashes = hashes
        self.targets = values
        self.verify = verify
        self._hits: dict[str, int] = {}

    def get(self, key: str, default: Any = None) -> Any:
        known = self._hits.get(key)
        if known is not None:
            return known
        h = np.uint64(hash_key(key))
        i = int(np.searchsorted(self.hashes, h))
        while i < len(self.hashes) and self.hashes[i] == h:
            value = int(self.targets[i])
            if self.verify is None:
                return value
            if self.verify[value] == key:
                # Verified keys are the corpus words and grams: a bounded set, kept per process.
                self._hits[key] = value
                return value
            i += 1
        return default

    def many(self, keys: Sequence[str]) -> np.ndarray:
        """The values of the known keys among ``keys`` (hash equality, vectorised)."""
        if not len(keys) or not len(self.hashes):
            return np.zeros(0, dtype=np.int64)
        h = hash_keys(keys)
        i = np.minimum(np.searchsorted(self.hashes, h), len(self.hashes) - 1)
        return np.asarray(self.targets[i[self.hashes[i] == h]], dtype=np.int64)

    def __getitem__(self, key: str) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return int(value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        if self.verify is None:
            raise TypeError("无法列出仅按散列值保存的键")
        return (self.verify[int(v)] for v in self.targets)

    def __len__(self) -> int:
        return len(self.hashes)


class _Table(Mapping[str, np.ndarray]):
    """An inverted list (code → expert positions) as codes, offsets and members."""

    def __init__(self, codes: list[str], indptr: np.ndarray, members: np.ndarray) -> None:
        self.codes = {code: i for i, code in enumerate(codes)}
        self.indptr = indptr
        self.members = members

    def __getitem__(self, code: str) -> np.ndarray:
        i = self.codes[code]
        return self.members[self.indptr[i] : self.indptr[i + 1]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)


class _Codes(Sequence[str]):
    def __init__(self, codes: np.ndarray, labels: list[str]) -> None:
        self.codes = codes
        self.labels = labels

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: Any) -> Any:
        return self.labels[int(self.codes[i])]


class _PerExpert(Sequence[Any]):
    """Something per expert position, stored by segment (each segment adds a run of positions)."""

    def __init__(self, n: int, starts: np.ndarray) -> None:
        self.n = n
        self.starts = starts  # expert_lo of each segment

    def __len__(self) -> int:
        return self.n

    def locate(self, pos: Any) -> tuple[int, int]:
        """(segment number, position within the segment's experts)."""
        k = int(np.searchsorted(self.starts, int(pos), side="right")) - 1
        return k, int(pos) - int(self.starts[k])


class _Experts(_PerExpert):
    """Expert records by position, decoded from the segments' JSON on access."""

    def __init__(self, n: int, starts: np.ndarray, records: list[Strings]) -> None:
        super().__init__(n, starts)
        self.records = records

    def __getitem__(self, pos: Any) -> Any:
        k, j = self.locate(pos)
        return expert_from_record(json.loads(self.records[k][j]))


class _ExpertItems(_PerExpert):
    """Per expert position, its ``(segment, row)`` items (contiguous rows of one segment)."""

    def __init__(self, n: int, starts: np.ndarray, item_starts: list[np.ndarray]) -> None:
        super().__init__(n, starts)
        self.item_starts = item_starts

    def __getitem__(self, pos: Any) -> Any:
        k, j = self.locate(pos)
        offsets = self.item_starts[k]
        return [(k, row) for row in range(int(offsets[j]), int(offsets[j + 1]))]


def expert_record(expert: Expert) -> dict[str, Any]:
    return dataclasses.asdict(expert)


def expert_from_record(record: dict[str, Any]) -> Expert:
    evidence = [Evidence(**e) for e in record.pop("evidence", [])]
    return Expert(evidence=evidence, **record)


# ------------------------------------------------------------------------------------------------
# Files
# ------------------------------------------------------------------------------------------------


def save(folder: Path, name: str, array: np.ndarray) -> None:
    with open(folder / f"{name}.npy", "wb") as fh:
        np.save(fh, np.ascontiguousarray(array), allow_pickle=False)
        _flush(fh)


def _flush(fh: Any) -> None:
    fh.flush()
    if FSYNC:
        os.fsync(fh.fileno())


def load(folder: Path, name: str) -> np.ndarray:
    path = folder / f"{name}.npy"
    if not path.exists():
        raise SnapshotError(f"缺少文件 {path.name}")
    try:
        # A plain ndarray view of the mapping (slicing a memmap object costs more per call).
        return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
    except ValueError as exc:
        raise SnapshotError(f"文件 {path.name} 已损坏：{exc}") from exc


def save_strings(folder: Path, name: str, strings: Iterable[str]) -> None:
    encoded = [s.encode() for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    save(folder, f"{name}.blob", np.frombuffer(b"".join(encoded), dtype=np.uint8))
    save(folder, f"{name}.off", offsets)


def load_strings(folder: Path, name: str) -> Strings:
    return Strings(load(folder, f"{name}.blob"), load(folder, f"{name}.off"))


def save_lookup(folder: Path, name: str, keys: Sequence[str], values: np.ndarray) -> None:
    hashes = hash_keys(keys)
    order = np.argsort(hashes, kind="stable")
    save(folder, f"{name}.hash", hashes[order])
    save(folder, f"{name}.value", np.asarray(values, dtype=np.int64)[order])


def load_lookup(folder: Path, name: str, verify: Sequence[str] | None = None) -> Lookup:
    return Lookup(load(folder, f"{name}.hash"), load(folder, f"{name}.value"), verify)


def write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        _flush(fh)


def read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"无法读取 {path.name}：{exc}") from exc


def _fsync_dir(path: Path) -> None:
    if not FSYNC:
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _save_sparse(folder: Path, name: str, matrix: Any) -> dict[str, Any]:
    save(folder, f"{name}.data", matrix.data)
    save(folder, f"{name}.indices", matrix.indices)
    save(folder, f"{name}.indptr", matrix.indptr)
    return {"shape": list(matrix.shape)}


def _load_sparse(folder: Path, name: str, shape: list[int], kind: Any) -> Any:
    """A scipy matrix over the mapped arrays (scipy keeps them: no copy is made)."""
    parts = tuple(load(folder, f"{name}.{part}") for part in ("data", "indices", "indptr"))
    return kind(parts, shape=tuple(shape))


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def _write_segment(root: Path, index: MatchIndex, seg: _Segment) -> None:
    final = root / "segments" / seg.uid
    if (final / META).exists():
        return
    tmp = root / "segments" / f".tmp-{seg.uid}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    kinds = sorted(set(seg.kinds))
    code = {k: i for i, k in enumerate(kinds)}
    save(tmp, "experts", seg.experts)
    save(tmp, "kinds", np.array([code[k] for k in seg.kinds], dtype=np.int16))
    save_strings(tmp, "texts", seg.texts)
    save_strings(tmp, "titles", seg.titles)
    shapes = {
        "bm25": _save_sparse(tmp, "bm25", seg.bm25),
        "bm25_rows": _save_sparse(tmp, "bm25_rows", seg.bm25_rows),
        "grams": _save_sparse(tmp, "grams", seg.grams),
        "gram_rows": _save_sparse(tmp, "gram_rows", seg.gram_rows),
    }
    save(tmp, "dense", seg.dense)
    save(tmp, "centroid_experts", seg.centroid_experts)
    save(tmp, "centroids", seg.centroids)
    lo, hi = seg.expert_lo, seg.expert_hi
    save_strings(
        tmp,
        "records",
        (json.dumps(expert_record(index.experts[p]), ensure_ascii=False) for p in range(lo, hi)),
    )
    # Rows of each expert of the segment: contiguous, in position order.
    counts: Any = (
        np.bincount(seg.experts.astype(np.int64) - lo, minlength=hi - lo) if hi > lo else []
    )
    item_starts = np.zeros(hi - lo + 1, dtype=np.int64)
    np.cumsum(counts, out=item_starts[1:])
    save(tmp, "item_starts", item_starts)
    write_json(
        tmp / META,
        {"format": FORMAT, "kinds": kinds, "expert_lo": lo, "expert_hi": hi, "shapes": shapes},
    )
    _fsync_dir(tmp)
    try:
        os.replace(tmp, final)
    except OSError:
        # Another writer put the same segment in place first (same uid, same content).
        shutil.rmtree(tmp, ignore_errors=True)


def write_index(index: MatchIndex, root: Path, folder: Path) -> dict[str, Any]:
    """Write ``index`` into ``folder`` (a generation's sub-directory), its segments under ``root``."""
    if isinstance(index, FrozenIndex):
        raise TypeError("快照索引无需再次写出")
    folder.mkdir(parents=True, exist_ok=True)
    for seg in index.segments:
        _write_segment(root, index, seg)
    n = len(index.experts)
    save(folder, "alive", index.alive)
    save(
        folder,
        "seg_alive",
        np.concatenate([s.alive for s in index.segments] or [np.zeros(0, bool)]),
    )
    save(folder, "word_df", index.word_df)
    save(folder, "word_expert_df", index.word_expert_df)
    save(folder, "gram_df", index.gram_df)
    words = index._word_list()[: len(index.words)]
    save_strings(folder, "words", words)
    save_lookup(folder, "words", words, np.arange(len(words)))
    grams = [""] * len(index.grams)
    for g, j in index.grams.items():
        grams[j] = g
    save_strings(folder, "grams", grams)
    save_lookup(folder, "grams", grams, np.arange(len(grams)))
    ids = list(index.position)
    save_lookup(folder, "position", ids, np.array([index.position[i] for i in ids], np.int64))
    for name, values in index._structured_arrays().items():
        save(folder, f"arr_{name}", values)
    employers = [str(e) for e in index._employers]
    unique = sorted(set(employers))
    code = {e: i for i, e in enumerate(unique)}
    save(folder, "employer_codes", np.array([code[e] for e in employers], dtype=np.int32))
    save_strings(folder, "employers", unique)
    tables: dict[str, list[str]] = {}
    for name in _TABLES:
        table: dict[str, list[int]] = getattr(index, name)
        codes = sorted(table)
        indptr = np.zeros(len(codes) + 1, dtype=np.int64)
        np.cumsum([len(table[c]) for c in codes], out=indptr[1:])
        members = [p for c in codes for p in table[c]]
        save(folder, f"{name}.indptr", indptr)
        save(folder, f"{name}.members", np.array(members, dtype=np.int64))
        tables[name] = codes
    meta = {
        "format": FORMAT,
        "segments": [s.uid for s in index.segments],
        "experts": n,
        "total_len": index.total_len,
        "live_items": index.live_items,
        "tables": tables,
        "encoder": index.encoder.name,
        "fusion": index.config.version,
    }
    write_json(folder / META, meta)
    _fsync_dir(folder)
    return meta


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------


class FrozenIndex(MatchIndex):
    """A :class:`MatchIndex` over a written snapshot: ranks exactly as the index that was written,
    holds no per-expert Python objects, and cannot be changed."""

    words_by_id: Strings
    employers: Strings
    employer_codes: np.ndarray

    def add(
        self, experts: Sequence[Expert], embeddings: Mapping[str, np.ndarray] | None = None
    ) -> None:
        raise TypeError("快照索引只读：请由索引构建任务更新")

    def remove(self, ids: Iterable[str]) -> None:
        raise TypeError("快照索引只读：请由索引构建任务更新")

    def compact(self) -> None:
        raise TypeError("快照索引只读：请由索引构建任务更新")

    def _word_list(self) -> Any:
        return self.words_by_id

    def _positions(self, ids: Iterable[str]) -> np.ndarray:
        return self.position.many(list(ids))  # type: ignore[attr-defined, no-any-return]

    def _other_employer(self, uscc: str) -> np.ndarray:
        for i in range(len(self.employers)):
            if self.employers[i] == uscc:
                return np.asarray(self.employer_codes != i)
        return np.ones(len(self.employer_codes), dtype=bool)


def open_index(
    root: Path,
    folder: Path,
    *,
    encoder: Encoder,
    vocab: Vocabulary | None = None,
    config: FusionConfig = DEFAULT,
) -> FrozenIndex:
    """Map the index written into ``folder``; raises :class:`SnapshotError` when it is incomplete."""
    meta = read_json(folder / META)
    if meta.get("format") != FORMAT:
        raise SnapshotError(f"快照格式 {meta.get('format')} 与程序（{FORMAT}）不一致")
    if meta.get("encoder") != encoder.name:
        raise SnapshotError(
            f"快照的语义模型 {meta.get('encoder')} 与本进程（{encoder.name}）不一致"
        )
    index = FrozenIndex(encoder, vocab, config)
    seg_alive = load(folder, "seg_alive")
    segments: list[_Segment] = []
    records: list[Strings] = []
    item_starts: list[np.ndarray] = []
    starts: list[int] = []
    offset = 0
    for uid in meta["segments"]:
        sfolder = root / "segments" / uid
        smeta = read_json(sfolder / META)
        shapes = smeta["shapes"]
        experts = load(sfolder, "experts")
        n_items = len(experts)
        seg = _Segment(
            experts=experts,
            kinds=_Codes(load(sfolder, "kinds"), smeta["kinds"]),  # type: ignore[arg-type]
            texts=load_strings(sfolder, "texts"),  # type: ignore[arg-type]
            titles=load_strings(sfolder, "titles"),  # type: ignore[arg-type]
            bm25=_load_sparse(sfolder, "bm25", shapes["bm25"]["shape"], sp.csc_matrix),
            bm25_rows=_load_sparse(
                sfolder, "bm25_rows", shapes["bm25_rows"]["shape"], sp.csr_matrix
            ),
            grams=_load_sparse(sfolder, "grams", shapes["grams"]["shape"], sp.csc_matrix),
            gram_rows=_load_sparse(
                sfolder, "gram_rows", shapes["gram_rows"]["shape"], sp.csr_matrix
            ),
            dense=load(sfolder, "dense"),
            alive=seg_alive[offset : offset + n_items],
            centroid_experts=load(sfolder, "centroid_experts"),
            centroids=load(sfolder, "centroids"),
            expert_lo=int(smeta["expert_lo"]),
            expert_hi=int(smeta["expert_hi"]),
            uid=uid,
        )
        offset += n_items
        segments.append(seg)
        records.append(load_strings(sfolder, "records"))
        item_starts.append(load(sfolder, "item_starts"))
        starts.append(seg.expert_lo)
    if offset != len(seg_alive):
        raise SnapshotError("快照的条目数与分段不一致")
    n = int(meta["experts"])
    index.segments = segments
    index.experts = _Experts(n, np.array(starts, dtype=np.int64), records)  # type: ignore[assignment]
    index._expert_items = _ExpertItems(n, np.array(starts, dtype=np.int64), item_starts)  # type: ignore[assignment]
    index.alive = load(folder, "alive")
    if len(index.alive) != n:
        raise SnapshotError("快照的人数与分段不一致")
    index.word_df = load(folder, "word_df")
    index.word_expert_df = load(folder, "word_expert_df")
    index.gram_df = load(folder, "gram_df")
    index.words_by_id = load_strings(folder, "words")
    index.words = load_lookup(folder, "words", index.words_by_id)  # type: ignore[assignment]
    index.grams = load_lookup(folder, "grams", load_strings(folder, "grams"))  # type: ignore[assignment]
    index.position = load_lookup(folder, "position")  # type: ignore[assignment]
    index._arrays = {name: load(folder, f"arr_{name}") for name in _STRUCTURED}
    index.employers = load_strings(folder, "employers")
    index.employer_codes = load(folder, "employer_codes")
    for name in _TABLES:
        table = _Table(
            meta["tables"][name],
            load(folder, f"{name}.indptr"),
            load(folder, f"{name}.members"),
        )
        setattr(index, name, table)
    index.total_len = float(meta["total_len"])
    index.live_items = int(meta["live_items"])
    return index


# ------------------------------------------------------------------------------------------------
# Generations
# ------------------------------------------------------------------------------------------------


def new_generation(root: Path) -> tuple[str, Path]:
    """A fresh generation name and the temporary directory to write it into."""
    name = f"{uuid.uuid1().hex}"
    tmp = root / "generations" / f".tmp-{name}"
    tmp.mkdir(parents=True)
    return name, tmp


def publish(root: Path, name: str, tmp: Path) -> Path:
    """Move a written generation into place and point ``CURRENT`` at it (atomically)."""
    final = root / "generations" / name
    _fsync_dir(tmp)
    os.replace(tmp, final)
    _fsync_dir(final.parent)
    pointer = root / f".{CURRENT}.{os.getpid()}"
    with open(pointer, "w", encoding="utf-8") as fh:
        fh.write(name)
        _flush(fh)
    os.replace(pointer, root / CURRENT)
    _fsync_dir(root)
    return final


def current(root: Path) -> str | None:
    """The published generation's name (None: nothing published yet)."""
    try:
        return (root / CURRENT).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def prune(root: Path, *, keep: int = 3) -> list[str]:
    """Remove all but the ``keep`` newest generations and the segments none of them uses.

    A process still holding a removed generation keeps working: its arrays are mapped."""
    gens = root / "generations"
    if not gens.exists():
        return []
    for stale in gens.glob(".tmp-*"):
        # Left by a writer that died (the caller holds the writers' lock).
        shutil.rmtree(stale, ignore_errors=True)
    named = [p for p in gens.iterdir() if p.is_dir()]
    named.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    pinned = current(root)
    kept = list(named[:keep]) + [p for p in named[keep:] if p.name == pinned]
    removed = [p.name for p in named if p not in kept]
    for name in removed:
        shutil.rmtree(gens / name, ignore_errors=True)
    used: set[str] = set()
    for gen in kept:
        for meta in gen.glob(f"*/{META}"):
            try:
                used.update(read_json(meta).get("segments", []))
            except SnapshotError:
                continue
    segs = root / "segments"
    if segs.exists():
        for seg in segs.iterdir():
            if seg.name not in used:
                shutil.rmtree(seg, ignore_errors=True)
    return removed
