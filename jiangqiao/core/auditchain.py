"""Tamper-evident audit logs: every change-, operation- and login-log row is chained by a keyed hash.

Each log (``ChainedLog`` subclass, named by ``chain_name``) is a chain of its own. A row is written
with only a MAC of its own content and no position::

    row_mac = HMAC-SHA256(key, "row\\n<log>\\n" + content)

and is **sealed after its transaction commits**: the sealer gives the visible unsealed rows, in id
order, their position ``chain_seq`` (1, 2, 3, … per log) and ``chain_hash``::

    chain_hash = HMAC-SHA256(key, "<log>\\n<previous row's chain_hash>\\n<chain_seq>\\n" + content)

where ``content`` is the row's ``chain_fields`` as canonical JSON (sorted keys, no spaces, UTF-8,
timestamps in UTC ISO 8601, JSON fields as they come back from the database). Editing, deleting,
inserting or reordering a sealed row breaks the chain at that row; editing a row not yet sealed
breaks its ``row_mac``. Without the key (settings ``JIANGQIAO_AUDIT_CHAIN_KEY``) nobody with only
database access can recompute either.

No lock is taken in the business transaction that writes a log row. Sealing (``seal``) runs in a
short transaction of its own that locks the log's ``AuditChainHead`` row (on SQLite the database
write lock does it): after the commit of each transaction that wrote log rows (``on_commit``, once
per transaction and log) and periodically, for rows whose process died before sealing them. The
chain order is the sealing order: a transaction that commits late gets positions after rows with
higher ids; verification walks ``chain_seq``. A row left unsealed longer than
``JIANGQIAO_AUDIT_SEAL_GRACE_MINUTES`` is itself a finding (未封存).

A purge of old rows (``purge``) keeps the chain verifiable by storing the last purged row's position
and hash, with a MAC, as the log's anchor in ``AuditChainState``. ``verify`` walks a chain (or an
exported file, ``verify_lines``) and names each broken row.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
#: 网络安全法 Art. 21: network logs are kept for at least six months.
LEGAL_MINIMUM_DAYS = 180
FILE_FORMAT = "jiangqiao-audit-chain"
FILE_VERSION = 1
#: Broken rows examined for swaps (pairwise); more than this are reported as edits only.
MAX_PAIRED = 200
#: Rows sealed per statement batch.
SEAL_BATCH = 1000
#: Unsealed rows named one by one in a report.
MAX_UNSEALED_NAMED = 50


# ---------------------------------------------------------------------------------------- key


@cache
def _key(secret: str, field_key: str) -> bytes:
    if secret:
        return secret.encode()
    if not field_key:
        raise ImproperlyConfigured("审计日志链密钥：请设置 JIANGQIAO_AUDIT_CHAIN_KEY")
    # Derived from the field-encryption key, domain-separated, when no key of its own is set.
    return hmac.new(base64.b64decode(field_key), b"jiangqiao-audit-chain", hashlib.sha256).digest()


def chain_key() -> bytes:
    return _key(
        getattr(settings, "JIANGQIAO_AUDIT_CHAIN_KEY", "") or "",
        # The index key when pinned for a key rotation: the chain must not change with the cipher key.
        getattr(settings, "FIELD_INDEX_KEY", "")
        or getattr(settings, "FIELD_ENCRYPTION_KEY", "")
        or "",
    )


def _mac(message: bytes) -> str:
    return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()


def link_hash(log: str, prev: str, seq: int, content: bytes) -> str:
    return _mac(f"{log}\n{prev}\n{seq}\n".encode() + content)


def row_mac(log: str, content: bytes) -> str:
    """The MAC of one row's own content, given at insert (before the row has a position)."""
    return _mac(f"row\n{log}\n".encode() + content)


def anchor_mac(log: str, seq: int, hash_: str) -> str:
    return _mac(f"anchor\n{log}\n{seq}\n{hash_}".encode())


# ------------------------------------------------------------------------- canonical content


def canonical_bytes(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _canon_value(field_obj: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field_obj, models.DateTimeField):
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        if timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.UTC)
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(field_obj, models.JSONField):
        # As the database gives it back: tuples become lists, keys strings.
        return json.loads(json.dumps(value, cls=field_obj.encoder))
    if isinstance(field_obj, models.UUIDField):
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    if isinstance(field_obj, models.GenericIPAddressField):
        return field_obj.get_prep_value(value) or None
    if isinstance(field_obj, models.ForeignKey | models.IntegerField):
        return int(value.pk if isinstance(value, models.Model) else value)
    if isinstance(field_obj, models.BooleanField):
        return bool(value)
    return str(value)


def _default(field_obj: models.Field[Any, Any]) -> Any:
    if field_obj.has_default():
        return field_obj.get_default()
    return None if field_obj.null else ""


@cache
def _fields(model: type[models.Model], names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(model._meta.get_field(name) for name in names)


def content_of(
    model: type[models.Model], names: Sequence[str], row: Mapping[str, Any]
) -> dict[str, Any]:
    """The hashed content of ``row`` (a mapping keyed by field name or attname)."""
    out: dict[str, Any] = {}
    for f in _fields(model, tuple(names)):
        if f.name in row:
            value = row[f.name]
        elif f.attname in row:
            value = row[f.attname]
        else:
            value = _default(f)
        out[f.name] = _canon_value(f, value)
    return out


def instance_content(instance: models.Model) -> dict[str, Any]:
    model = type(instance)
    names = model.chain_fields  # type: ignore[attr-defined]
    return content_of(
        model, names, {f.attname: getattr(instance, f.attname) for f in _fields(model, names)}
    )


# ----------------------------------------------------------------------------------- registry


def chained_models() -> dict[str, type[models.Model]]:
    """``{log name: model}`` of every installed ``ChainedLog`` (core knows none by name)."""
    from .models import ChainedLog

    return {
        m.chain_name: m  # type: ignore[attr-defined]
        for m in apps.get_models()
        if issubclass(m, ChainedLog)
    }


def model_for(log: str) -> type[models.Model]:
    try:
        return chained_models()[log]
    except KeyError:
        raise ValueError(log) from None


def log_label(log: str) -> str:
    return str(model_for(log)._meta.verbose_name)


# ------------------------------------------------------------------------------------- append


def _locked_head(log: str, model: type[models.Model]) -> Any:
    from .models import AuditChainHead

    head = AuditChainHead.objects.select_for_update().filter(log=log).first()
    if head is not None:
        return head
    # First seal (or the head row was removed): start from the last chained row, if any.
    last = (
        model._default_manager.filter(chain_seq__isnull=False)
        .order_by("-chain_seq")
        .values_list("chain_seq", "chain_hash")
        .first()
    )
    seq, hash_ = last if last else (0, GENESIS)
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(log=log, seq=seq, hash=hash_)], ignore_conflicts=True
    )
    return AuditChainHead.objects.select_for_update().get(log=log)


class _SealAfterCommit:
    """The ``on_commit`` callback that seals one log; at most one per transaction and log."""

    def __init__(self, log: str, using: str) -> None:
        self.log = log
        self.using = using

    def __call__(self) -> None:
        try:
            seal(self.log)
        except Exception:  # the business transaction has committed: the periodic sealer retries
            logger.exception("审计日志封存失败（%s），将由定时封存补上", self.log)


def seal_after_commit(log: str, using: str) -> None:
    """Seal ``log`` once the current transaction commits (at once in autocommit)."""
    connection = connections[using]
    if connection.in_atomic_block:
        for entry in connection.run_on_commit:  # (savepoint ids, function, robust)
            func = entry[1]
            if isinstance(func, _SealAfterCommit) and func.log == log and func.using == using:
                return
    transaction.on_commit(_SealAfterCommit(log, using), using=using)


def append(instance: models.Model, insert: Callable[[], None]) -> None:
    """Give ``instance`` the MAC of its content, run ``insert`` (the real save) and seal the row
    after the transaction commits. No lock is taken here."""
    model = type(instance)
    log = model.chain_name  # type: ignore[attr-defined]
    instance.row_mac = row_mac(log, canonical_bytes(instance_content(instance)))  # type: ignore[attr-defined]
    instance.chain_seq = None  # type: ignore[attr-defined]
    instance.chain_hash = ""  # type: ignore[attr-defined]
    insert()
    seal_after_commit(log, instance._state.db or router.db_for_write(model))


def mac_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Stamp ``rows`` (dicts for ``core.bulk.insert_rows``) with their ``row_mac``; the caller
    inserts them and calls ``seal_after_commit``."""
    log = model.chain_name  # type: ignore[attr-defined]
    names = model.chain_fields  # type: ignore[attr-defined]
    now = timezone.now()
    for row in rows:
        row.setdefault("time", now)
        row["row_mac"] = row_mac(log, canonical_bytes(content_of(model, names, row)))
        row["chain_seq"] = None
        row["chain_hash"] = ""


# --------------------------------------------------------------------------------------- seal


@dataclass(frozen=True)
class Sealed:
    log: str
    sealed: int
    refused: int  # unsealed rows whose row_mac does not check: left out of the chain


def _seal_batch(log: str, model: type[models.Model], after_pk: Any) -> tuple[int, int, Any]:
    """Seal up to ``SEAL_BATCH`` unsealed rows with ids above ``after_pk``, in one transaction
    under the head lock. Returns ``(sealed, refused, last pk seen)``; ``last pk`` is None when
    there was nothing left."""
    names = model.chain_fields  # type: ignore[attr-defined]
    columns = [f.attname for f in _fields(model, names)]
    manager = model._default_manager
    with transaction.atomic():
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            # A seal lost in a server crash is only a seal not done yet: the rows are unsealed
            # again, with the head, and the next sealer redoes it. No fsync to wait for.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        head = _locked_head(log, model)
        # Rows without a row MAC were written around the platform: not looked at again (they
        # are reported by ``verify``), so that junk rows cannot slow every seal down.
        unsealed = manager.filter(chain_seq__isnull=True).exclude(row_mac="")
        if after_pk is not None:
            unsealed = unsealed.filter(pk__gt=after_pk)
        rows = list(unsealed.order_by("pk").values("pk", "row_mac", *columns)[:SEAL_BATCH])
        if not rows:
            return 0, 0, None
        seq, hash_ = head.seq, head.hash
        stamped = []
        refused = 0
        for row in rows:
            content = canonical_bytes(content_of(model, names, row))
            if not hmac.compare_digest(row["row_mac"] or "", row_mac(log, content)):
                refused += 1  # edited before sealing, or written around the platform
                continue
            seq += 1
            hash_ = link_hash(log, hash_, seq, content)
            stamped.append(model(pk=row["pk"], chain_seq=seq, chain_hash=hash_))
        if stamped:
            manager.bulk_update(stamped, ["chain_seq", "chain_hash"], batch_size=500)
            type(head).objects.filter(pk=log).update(seq=seq, hash=hash_)
        return len(stamped), refused, rows[-1]["pk"]


def seal(log: str) -> Sealed:
    """Give every unsealed row of ``log`` whose ``row_mac`` checks the next position, in id order.

    Each batch is its own short transaction under the head lock, so appends never wait for it
    and two sealers take turns (the second finds the rows already sealed)."""
    model = model_for(log)
    if not model._default_manager.filter(chain_seq__isnull=True).exclude(row_mac="").exists():
        return Sealed(log, 0, 0)
    sealed = refused = 0
    after: Any = None
    while True:
        done, bad, after = _seal_batch(log, model, after)
        sealed += done
        refused += bad
        if after is None or done + bad < SEAL_BATCH:
            return Sealed(log, sealed, refused)


def seal_all() -> list[Sealed]:
    """Seal every chained log (the periodic sealer, and before a check or a purge)."""
    return [seal(log) for log in sorted(chained_models())]


# ------------------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Link:
    """One row as the verifier sees it (from the database or from an exported file)."""

    seq: int
    id: Any
    hash: str
    content: bytes
    mac: str | None = None  # row_mac (absent in files exported before it existed)


@dataclass(frozen=True)
class Problem:
    kind: str  # modified / deleted / swapped / inserted / unsealed / head / anchor
    seq: int | None
    message: str


@dataclass
class Report:
    log: str
    label: str
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        span = (
            f"第 {self.first_seq}–{self.last_seq} 条" if self.first_seq is not None else "没有记录"
        )
        if self.ok:
            return f"{self.label}：{span}，共 {self.checked} 条，链完整"
        return f"{self.label}：{span}，共 {self.checked} 条，发现 {len(self.problems)} 处问题"


def _row_name(link: Link) -> str:
    return f"第 {link.seq} 条（id={link.id}）"


@dataclass(frozen=True)
class _Broken:
    link: Link
    prev: str  # the stored hash of the row before it (what it was checked against)


def walk(
    log: str,
    links: Iterable[Link],
    *,
    prev_seq: int,
    prev_hash: str,
    head_seq: int | None,
    head_hash: str | None,
    report: Report,
) -> None:
    """Check ``links`` (in ``seq`` order) against each other; add what is wrong to ``report``.

    Each row is checked against the stored hash of the row before it, so an edited row fails alone
    and the rows after it still check. Two broken rows whose contents check at each other's
    position were swapped; a row after a gap cannot be checked (its predecessor is gone)."""
    broken: list[_Broken] = []
    for link in links:
        if head_seq is not None and link.seq > head_seq:
            report.problems.append(
                Problem(
                    "inserted",
                    link.seq,
                    f"{_row_name(link)}在链头（第 {head_seq} 条）之后，是绕过系统写入的（插入）",
                )
            )
            continue
        report.checked += 1
        if report.first_seq is None:
            report.first_seq = link.seq
        report.last_seq = link.seq
        if link.seq <= prev_seq:
            report.problems.append(
                Problem("inserted", link.seq, f"{_row_name(link)}序号重复，是插入的")
            )
            continue
        if link.seq > prev_seq + 1:
            missing = link.seq - prev_seq - 1
            report.problems.append(
                Problem("deleted", link.seq, f"{_row_name(link)}之前缺少 {missing} 条（被删除）")
            )
        elif link_hash(log, prev_hash, link.seq, link.content) != link.hash:
            broken.append(_Broken(link, prev_hash))
        elif link.mac is not None and not hmac.compare_digest(link.mac, row_mac(log, link.content)):
            report.problems.append(
                Problem("modified", link.seq, f"{_row_name(link)}的行校验码被改动")
            )
        prev_seq, prev_hash = link.seq, link.hash
    report.problems.extend(_explain(log, broken))
    if head_seq is not None:
        if prev_seq < head_seq:
            missing = head_seq - prev_seq
            report.problems.append(
                Problem(
                    "deleted",
                    prev_seq + 1,
                    f"链尾缺少 {missing} 条（第 {prev_seq + 1}–{head_seq} 条被删除）",
                )
            )
        elif prev_seq == head_seq and head_hash is not None and prev_hash != head_hash:
            report.problems.append(
                Problem("head", head_seq, f"链头记录的哈希与第 {head_seq} 条不符（链头被改动）")
            )
    report.problems.sort(key=lambda p: (p.seq is None, p.seq or 0))


def _explain(log: str, broken: list[_Broken]) -> list[Problem]:
    """Tell swapped rows from edited ones among the rows whose hash did not check."""
    problems: list[Problem] = []
    done: set[int] = set()
    by_seq = {b.link.seq: b for b in broken}
    pairable = broken[:MAX_PAIRED]

    def checks(prev: str, seq: int, link: Link, expected: str) -> bool:
        return link_hash(log, prev, seq, link.content) == expected

    for i, a in enumerate(pairable):
        for b in pairable[i + 1 :]:
            if a.link.seq in done or b.link.seq in done:
                continue
            la, lb = a.link, b.link
            contents_swapped = checks(a.prev, la.seq, lb, la.hash) and checks(
                b.prev, lb.seq, la, lb.hash
            )
            # Whole rows (position and hash) exchanged: each row's hash checks at the other place.
            b_prev = lb.hash if lb.seq == la.seq + 1 else b.prev
            rows_swapped = checks(a.prev, la.seq, lb, lb.hash) and checks(
                b_prev, lb.seq, la, la.hash
            )
            if not (contents_swapped or rows_swapped):
                continue
            done |= {la.seq, lb.seq}
            problems.append(
                Problem("swapped", la.seq, f"{_row_name(la)}与{_row_name(lb)}顺序被调换")
            )
            if rows_swapped:
                # The rows after each of them were chained on the other one's hash.
                for after, real_prev in ((la.seq + 1, lb.hash), (lb.seq + 1, la.hash)):
                    nxt = by_seq.get(after)
                    if (
                        nxt is not None
                        and after not in done
                        and checks(real_prev, after, nxt.link, nxt.link.hash)
                    ):
                        done.add(after)
    for b in broken:
        if b.link.seq not in done:
            problems.append(Problem("modified", b.link.seq, f"{_row_name(b.link)}内容被修改"))
    return problems


def _db_links(model: type[models.Model], queryset: Any) -> Iterator[Link]:
    names = model.chain_fields  # type: ignore[attr-defined]
    columns = [f.attname for f in _fields(model, names)]
    rows = queryset.values("pk", "chain_seq", "chain_hash", "row_mac", *columns)
    for row in rows.iterator(chunk_size=2000):
        yield Link(
            row["chain_seq"],
            row["pk"],
            row["chain_hash"],
            canonical_bytes(content_of(model, names, row)),
            row["row_mac"],
        )


def anchor(log: str) -> tuple[int, str, bool]:
    """``(seq, hash, intact)`` of the log's anchor (the last purged row; 0 and GENESIS before)."""
    from .models import AuditChainState

    state = AuditChainState.objects.filter(log=log).first()
    if state is None or state.anchor_seq == 0:
        return 0, GENESIS, state is None or state.anchor_hash == GENESIS
    ok = hmac.compare_digest(state.anchor_mac, anchor_mac(log, state.anchor_seq, state.anchor_hash))
    return state.anchor_seq, state.anchor_hash, ok


def verify(log: str, *, since: int | None = None, until: int | None = None) -> Report:
    """Walk the chain of ``log`` in the database (from position ``since`` on)."""
    from .models import AuditChainHead

    model = model_for(log)
    report = Report(log, log_label(log))
    manager = model._default_manager
    anchor_seq, anchor_hash, anchor_ok = anchor(log)
    if not anchor_ok:
        report.problems.append(Problem("anchor", anchor_seq, "清理锚点被改动（与其校验码不符）"))
    head = AuditChainHead.objects.filter(log=log).values_list("seq", "hash").first()
    head_seq, head_hash = head if head else (0, GENESIS)
    bound = head_seq if until is None else min(until, head_seq)
    start = max(since or 1, anchor_seq + 1)
    prev_seq, prev_hash = _link_before(manager, start, anchor_seq, anchor_hash)
    rows = manager.filter(chain_seq__gt=prev_seq, chain_seq__lte=bound).order_by("chain_seq")
    walk(
        log,
        _db_links(model, rows),
        prev_seq=prev_seq,
        prev_hash=prev_hash,
        head_seq=bound,
        head_hash=head_hash if bound == head_seq else None,
        report=report,
    )
    if until is None:
        # One statement: a row appended meanwhile moved the head in the same transaction.
        beyond = manager.filter(
            chain_seq__gt=models.Subquery(AuditChainHead.objects.filter(log=log).values("seq")[:1])
        ).order_by("chain_seq")
        for link in _db_links(model, beyond[:50]):
            report.problems.append(
                Problem(
                    "inserted",
                    link.seq,
                    f"{_row_name(link)}在链头之后，是绕过系统写入的（插入）",
                )
            )
        report.problems.extend(unsealed_problems(log))
    if anchor_seq:
        for pk, seq in manager.filter(chain_seq__lte=anchor_seq).values_list("pk", "chain_seq")[
            :50
        ]:
            report.problems.append(
                Problem("inserted", seq, f"第 {seq} 条（id={pk}）在清理锚点之前，是插入的")
            )
    return report


def seal_grace() -> datetime.timedelta:
    """How long a row may stay unsealed before it is a finding."""
    return datetime.timedelta(minutes=getattr(settings, "JIANGQIAO_AUDIT_SEAL_GRACE_MINUTES", 10))


def unsealed_problems(log: str) -> list[Problem]:
    """The unsealed rows of ``log`` that are a finding: a ``row_mac`` that is missing (written
    around the platform) or does not check (edited before sealing), or a row older than the grace
    period (its process died before sealing and the periodic sealer has not run, or sealing
    fails). Rows of transactions still in flight are not visible here."""
    model = model_for(log)
    names = model.chain_fields  # type: ignore[attr-defined]
    columns = [f.attname for f in _fields(model, names)]
    cutoff = timezone.now() - seal_grace()
    minutes = int(seal_grace().total_seconds() // 60)
    problems: list[Problem] = []
    found = 0
    unsealed = model._default_manager.filter(chain_seq__isnull=True).order_by("pk")
    for row in unsealed.values("pk", "row_mac", *columns).iterator(chunk_size=2000):
        pk, mac = row["pk"], row["row_mac"] or ""
        if not mac:
            message = f"id={pk} 没有行校验码，是绕过系统写入的（插入）"
            kind = "inserted"
        elif not hmac.compare_digest(
            mac, row_mac(log, canonical_bytes(content_of(model, names, row)))
        ):
            message = f"id={pk} 未封存，内容被修改（与行校验码不符）"
            kind = "modified"
        else:
            time = row.get("time")
            if time is None or time >= cutoff:
                continue  # sealed after its commit in a moment
            message = f"id={pk} 未封存（写入已超过 {minutes} 分钟）"
            kind = "unsealed"
        found += 1
        if found <= MAX_UNSEALED_NAMED:
            problems.append(Problem(kind, None, message))
    if found > MAX_UNSEALED_NAMED:
        problems.append(
            Problem("unsealed", None, f"另有 {found - MAX_UNSEALED_NAMED} 条未封存的记录有问题")
        )
    return problems


def verify_all(logs: Iterable[str] | None = None, *, since: int | None = None) -> list[Report]:
    names = list(logs) if logs else sorted(chained_models())
    return [verify(log, since=since) for log in names]


# ------------------------------------------------------------------------------------- export


def export_lines(log: str, *, since: int, actor_name: str) -> tuple[dict[str, Any], Iterator[str]]:
    """The header and the JSON lines of ``log`` from position ``since`` to the current head."""
    from .models import AuditChainHead

    model = model_for(log)
    manager = model._default_manager
    anchor_seq, anchor_hash, _ = anchor(log)
    head_seq = AuditChainHead.objects.filter(log=log).values_list("seq", flat=True).first() or 0
    start = max(since, anchor_seq + 1)
    prev_seq, prev_hash = _link_before(manager, start, anchor_seq, anchor_hash)
    header = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "log": log,
        "label": log_label(log),
        "from_seq": start,
        "to_seq": head_seq,
        "prev_seq": prev_seq,
        "prev_hash": prev_hash,
        "exported_at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "exported_by": actor_name,
        "instance": getattr(settings, "INSTANCE_ID", ""),
    }
    rows = manager.filter(chain_seq__gt=prev_seq, chain_seq__lte=head_seq).order_by("chain_seq")

    def lines() -> Iterator[str]:
        yield json.dumps(header, ensure_ascii=False) + "\n"
        for link in _db_links(model, rows):
            item = {
                "seq": link.seq,
                "id": link.id,
                "hash": link.hash,
                "mac": link.mac,
                "content": json.loads(link.content),
            }
            yield json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n"

    return header, lines()


class FileError(ValueError):
    """The file is not an audit-chain export (the message says why, with the line number)."""


def verify_lines(lines: Iterable[str]) -> Report:
    """Verify an exported file (its lines): each row against the one before, from ``prev_hash``."""
    iterator = iter(enumerate(lines, start=1))
    try:
        _, first = next(iterator)
        header = json.loads(first)
    except StopIteration:
        raise FileError("文件是空的") from None
    except json.JSONDecodeError:
        raise FileError("第 1 行不是 JSON，不是审计日志导出文件") from None
    if not isinstance(header, dict) or header.get("format") != FILE_FORMAT:
        raise FileError("第 1 行不是审计日志导出文件的文件头")
    log = str(header.get("log", ""))
    report = Report(log, str(header.get("label") or log))

    def links() -> Iterator[Link]:
        for number, line in iterator:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                yield Link(
                    int(item["seq"]),
                    item.get("id"),
                    str(item["hash"]),
                    canonical_bytes(item["content"]),
                    str(item["mac"]) if item.get("mac") is not None else None,
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                raise FileError(f"第 {number} 行格式不对（应为一条日志记录）") from None

    try:
        walk(
            log,
            links(),
            prev_seq=int(header["prev_seq"]),
            prev_hash=str(header["prev_hash"]),
            head_seq=int(header["to_seq"]),
            head_hash=None,
            report=report,
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FileError):
            raise
        raise FileError("文件头缺少 prev_seq、prev_hash 或 to_seq") from None
    return report


# -------------------------------------------------------------------------------------- purge


@dataclass(frozen=True)
class Purge:
    log: str
    label: str
    deleted: int
    anchor_seq: int


class PurgeRefused(Exception):
    def __init__(self, report: Report) -> None:
        super().__init__(report.summary())
        self.report = report


def purgeable(log: str, cutoff: datetime.datetime) -> tuple[int, int]:
    """``(from_seq, to_seq)``: the oldest run of rows all older than ``cutoff`` (a chain prefix)."""
    from .models import AuditChainHead

    model = model_for(log)
    anchor_seq, _, _ = anchor(log)
    head_seq = AuditChainHead.objects.filter(log=log).values_list("seq", flat=True).first() or 0
    young = (
        model._default_manager.filter(chain_seq__gt=anchor_seq, time__gte=cutoff)
        .order_by("chain_seq")
        .values_list("chain_seq", flat=True)
        .first()
    )
    return anchor_seq + 1, (young - 1) if young is not None else head_seq


def purge(log: str, cutoff: datetime.datetime, *, dry_run: bool = False) -> Purge:
    """Delete the rows of ``log`` older than ``cutoff`` that form a prefix of the chain, after
    checking them, and make the last deleted row the new anchor. Refuses (``PurgeRefused``) when
    the rows to delete do not check: they are the evidence."""
    from .models import AuditChainState

    if cutoff > timezone.now() - datetime.timedelta(days=LEGAL_MINIMUM_DAYS):
        raise ValueError(f"日志至少保存 {LEGAL_MINIMUM_DAYS} 天")
    model = model_for(log)
    label = log_label(log)
    first, last = purgeable(log, cutoff)
    if last < first:
        return Purge(log, label, 0, first - 1)
    report = verify(log, until=last)
    if not report.ok:
        raise PurgeRefused(report)
    if dry_run:
        return Purge(log, label, last - first + 1, last)
    with transaction.atomic():
        state, _ = AuditChainState.objects.select_for_update().get_or_create(log=log)
        last_hash = (
            model._default_manager.filter(chain_seq=last).values_list("chain_hash", flat=True).get()
        )
        deleted, _ = model._default_manager.filter(
            chain_seq__gt=state.anchor_seq, chain_seq__lte=last
        ).delete()
        state.anchor_seq = last
        state.anchor_hash = last_hash
        state.anchor_mac = anchor_mac(log, last, last_hash)
        state.purged_before = cutoff
        state.save()
    return Purge(log, label, deleted, last)


# ------------------------------------------------------------------------------ checks & state


def retention_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """System check: the log retention setting may not be below the legal minimum."""
    from django.core import checks

    days = getattr(settings, "JIANGQIAO_LOG_RETENTION_DAYS", LEGAL_MINIMUM_DAYS)
    if not isinstance(days, int) or days < LEGAL_MINIMUM_DAYS:
        return [
            checks.Error(
                f"JIANGQIAO_LOG_RETENTION_DAYS={days}：日志至少保存 {LEGAL_MINIMUM_DAYS} 天"
                "（网络安全法第二十一条），请改为不少于 180 的天数",
                id="jiangqiao.audit.E001",
            )
        ]
    return []


def record_check(reports: list[Report]) -> list[Report]:
    """Store each report as its log's last check; return the reports whose problems are new."""
    from .models import AuditChainState

    news = []
    now = timezone.now()
    for report in reports:
        text = "\n".join(p.message for p in report.problems)
        state, _ = AuditChainState.objects.get_or_create(log=report.log)
        if not report.ok and (state.checked_ok is not False or state.check_report != text):
            news.append(report)
        AuditChainState.objects.filter(pk=state.pk).update(
            checked_at=now,
            checked_ok=report.ok,
            checked_rows=report.checked,
            check_report=text[:20000],
        )
    return news


def states() -> list[Any]:
    """The logs' last checks, in log-name order (for the audit administrator's panel)."""
    from .models import AuditChainState

    known = {s.log: s for s in AuditChainState.objects.all()}
    out = []
    for log in sorted(chained_models()):
        state = known.get(log) or AuditChainState(log=log)
        state.label = log_label(log)  # type: ignore[attr-defined]
        out.append(state)
    return out


# -------------------------------------------------------------------------------- migrations


def chain_existing(
    model: type[models.Model],
    head_model: type[models.Model],
    *,
    log: str,
    names: Sequence[str],
    batch_size: int = 2000,
) -> int:
    """Chain the rows a log held before it was chained, in id order (data migrations: ``model``
    and ``head_model`` are historical models, ``names`` the chained fields at that time)."""
    manager = model._default_manager
    last = (
        manager.filter(chain_seq__isnull=False)
        .order_by("-chain_seq")
        .values_list("chain_seq", "chain_hash")
        .first()
    )
    seq, hash_ = last if last else (0, GENESIS)
    columns = [f.attname for f in _fields(model, tuple(names))]
    pending: list[models.Model] = []
    done = 0
    for obj in (
        manager.filter(chain_seq__isnull=True).order_by("pk").iterator(chunk_size=batch_size)
    ):
        seq += 1
        row = {c: getattr(obj, c) for c in columns}
        hash_ = link_hash(log, hash_, seq, canonical_bytes(content_of(model, names, row)))
        obj.chain_seq = seq  # type: ignore[attr-defined]
        obj.chain_hash = hash_  # type: ignore[attr-defined]
        pending.append(obj)
        if len(pending) >= batch_size:
            manager.bulk_update(pending, ["chain_seq", "chain_hash"])
            done += len(pending)
            pending = []
    if pending:
        manager.bulk_update(pending, ["chain_seq", "chain_hash"])
        done += len(pending)
    head_model._default_manager.update_or_create(log=log, defaults={"seq": seq, "hash": hash_})
    return done


def fill_row_macs(
    model: type[models.Model], *, log: str, names: Sequence[str], batch_size: int = 2000
) -> int:
    """Give the rows written before ``row_mac`` existed their MAC (data migrations: ``model`` is
    the historical model, ``names`` the chained fields at that time)."""
    manager = model._default_manager
    columns = [f.attname for f in _fields(model, tuple(names))]
    pending: list[models.Model] = []
    done = 0
    for obj in manager.filter(row_mac="").order_by("pk").iterator(chunk_size=batch_size):
        row = {c: getattr(obj, c) for c in columns}
        obj.row_mac = row_mac(log, canonical_bytes(content_of(model, names, row)))  # type: ignore[attr-defined]
        pending.append(obj)
        if len(pending) >= batch_size:
            manager.bulk_update(pending, ["row_mac"])
            done += len(pending)
            pending = []
    if pending:
        manager.bulk_update(pending, ["row_mac"])
        done += len(pending)
    return done


# ------------------------------------------------------------------------- export (service)

#: Who may export the logs with their chain: the audit duty (三员分立, ``accounts.duties``).
EXPORT_PERMISSION = "core.view_all_logs"


def parse_since(value: Any) -> int:
    from .exceptions import BusinessError

    if value in (None, ""):
        return 1
    try:
        since = int(str(value).strip())
    except ValueError:
        raise BusinessError("起始序号：请填写不小于 1 的整数", field="since") from None
    if since < 1:
        raise BusinessError("起始序号：请填写不小于 1 的整数", field="since")
    return since


def export_start(*, actor: Any, log: Any, since: Any) -> tuple[dict[str, Any], Iterator[str]]:
    """Check the request, log the export in the operation log and return the file's lines."""
    from django.core.exceptions import PermissionDenied

    from .choices import BusinessType
    from .exceptions import BusinessError
    from .operations import record_operation

    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied("只有审计管理员可以导出审计日志")
    logs = chained_models()
    if log not in logs:
        names = "、".join(log_label(n) for n in sorted(logs))
        raise BusinessError(f"日志：请选择{names}之一", field="log")
    start = parse_since(since)
    header, lines = export_lines(str(log), since=start, actor_name=actor.get_username())
    with transaction.atomic():
        record_operation(
            actor=actor,
            module="日志审计",
            business_type=BusinessType.EXPORT,
            action=(
                f"导出{header['label']}（含链哈希）第 {header['from_seq']}–{header['to_seq']} 条"
            ),
            params={"log": log, "since": start},
            extra={k: header[k] for k in ("from_seq", "to_seq", "prev_seq", "prev_hash")},
        )
    return header, lines


def _link_before(manager: Any, start: int, anchor_seq: int, anchor_hash: str) -> tuple[int, str]:
    """The (seq, hash) the chain continues from at ``start``: the sealed row just before it,
    or the purge anchor when ``start`` follows the anchor."""
    if start > anchor_seq + 1:
        before = (
            manager.filter(chain_seq__gt=anchor_seq, chain_seq__lt=start)
            .order_by("-chain_seq")
            .values_list("chain_seq", "chain_hash")
            .first()
        )
        if before:
            return int(before[0]), str(before[1])
    return anchor_seq, anchor_hash
