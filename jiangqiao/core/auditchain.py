"""Tamper-evident audit logs: every change-, operation- and login-log row is chained by a keyed hash.

Each log (``ChainedLog`` subclass, named by ``chain_name``) is a chain of its own. A row stores its
position ``chain_seq`` (1, 2, 3, … per log) and ``chain_hash``::

    chain_hash = HMAC-SHA256(key, "<log>\\n<previous row's chain_hash>\\n<chain_seq>\\n" + content)

where ``content`` is the row's ``chain_fields`` as canonical JSON (sorted keys, no spaces, UTF-8,
timestamps in UTC ISO 8601, JSON fields as they come back from the database). Editing, deleting,
inserting or reordering a row breaks the chain at that row, and without the key (settings
``JIANGQIAO_AUDIT_CHAIN_KEY``) nobody with only database access can recompute it.

Appends of one log are serialised by locking its ``AuditChainHead`` row in the transaction that
inserts the log row (on SQLite the database write lock does it); the head holds the last sequence
number and hash. A purge of old rows (``purge``) keeps the chain verifiable by storing the last
purged row's position and hash, with a MAC, as the log's anchor in ``AuditChainState``.
``verify`` walks a chain (or an exported file, ``verify_lines``) and names each broken row.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

GENESIS = "0" * 64
#: 网络安全法 Art. 21: network logs are kept for at least six months.
LEGAL_MINIMUM_DAYS = 180
FILE_FORMAT = "jiangqiao-audit-chain"
FILE_VERSION = 1
#: Broken rows examined for swaps (pairwise); more than this are reported as edits only.
MAX_PAIRED = 200


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
        getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "",
    )


def _mac(message: bytes) -> str:
    return hmac.new(chain_key(), message, hashlib.sha256).hexdigest()


def link_hash(log: str, prev: str, seq: int, content: bytes) -> str:
    return _mac(f"{log}\n{prev}\n{seq}\n".encode() + content)


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
    # First append (or the head row was removed): start from the last chained row, if any.
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


def append(instance: models.Model, insert: Callable[[], None]) -> None:
    """Give ``instance`` the next position of its log and run ``insert`` (the real save), in one
    transaction with the head row locked."""
    model = type(instance)
    log = model.chain_name  # type: ignore[attr-defined]
    content = canonical_bytes(instance_content(instance))
    with transaction.atomic(savepoint=False):
        head = _locked_head(log, model)
        seq = head.seq + 1
        hash_ = link_hash(log, head.hash, seq, content)
        instance.chain_seq = seq  # type: ignore[attr-defined]
        instance.chain_hash = hash_  # type: ignore[attr-defined]
        insert()
        type(head).objects.filter(pk=log).update(seq=seq, hash=hash_)


def chain_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> Callable[[], None]:
    """Stamp ``rows`` (dicts for ``core.bulk.insert_rows``) with positions and hashes.

    Must run inside a transaction; returns the function that moves the head once the rows are
    inserted (same transaction)."""
    log = model.chain_name  # type: ignore[attr-defined]
    names = model.chain_fields  # type: ignore[attr-defined]
    head = _locked_head(log, model)
    now = timezone.now()
    seq, hash_ = head.seq, head.hash
    for row in rows:
        row.setdefault("time", now)
        seq += 1
        hash_ = link_hash(log, hash_, seq, canonical_bytes(content_of(model, names, row)))
        row["chain_seq"] = seq
        row["chain_hash"] = hash_

    def move_head() -> None:
        type(head).objects.filter(pk=log).update(seq=seq, hash=hash_)

    return move_head


# ------------------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Link:
    """One row as the verifier sees it (from the database or from an exported file)."""

    seq: int
    id: Any
    hash: str
    content: bytes


@dataclass(frozen=True)
class Problem:
    kind: str  # modified / deleted / swapped / inserted / head / anchor
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
    for row in queryset.values("pk", "chain_seq", "chain_hash", *columns).iterator(chunk_size=2000):
        yield Link(
            row["chain_seq"],
            row["pk"],
            row["chain_hash"],
            canonical_bytes(content_of(model, names, row)),
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
    prev_seq, prev_hash = anchor_seq, anchor_hash
    if start > anchor_seq + 1:
        before = (
            manager.filter(chain_seq__gt=anchor_seq, chain_seq__lt=start)
            .order_by("-chain_seq")
            .values_list("chain_seq", "chain_hash")
            .first()
        )
        if before:
            prev_seq, prev_hash = before
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
        for pk in manager.filter(chain_seq__isnull=True).values_list("pk", flat=True)[:50]:
            report.problems.append(
                Problem("inserted", None, f"id={pk} 没有链序号，是绕过系统写入的（插入）")
            )
    if anchor_seq:
        for pk, seq in manager.filter(chain_seq__lte=anchor_seq).values_list("pk", "chain_seq")[
            :50
        ]:
            report.problems.append(
                Problem("inserted", seq, f"第 {seq} 条（id={pk}）在清理锚点之前，是插入的")
            )
    return report


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
    prev_seq, prev_hash = anchor_seq, anchor_hash
    if start > anchor_seq + 1:
        before = (
            manager.filter(chain_seq__gt=anchor_seq, chain_seq__lt=start)
            .order_by("-chain_seq")
            .values_list("chain_seq", "chain_hash")
            .first()
        )
        if before:
            prev_seq, prev_hash = before
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
