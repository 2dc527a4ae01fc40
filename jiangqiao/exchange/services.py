"""Export and import of exchange files (``docs/exchange.md``).

Export (``export_start`` → ``(batch, lines)``): the header, then one line per visible object of the
chosen types — a snapshot of everything, or the objects with change-log rows after a cursor (and
``op=delete`` lines for deleted matches). Lines are generated lazily so pages and the API stream
them; the batch row gets its counts and SHA-256 when the last line has been produced.

Import (``import_file``): parse and validate every line first (JSON, header, envelope, schema per
type, codes), then apply the records in dependency order, each in its own savepoint, through the
owning apps' services. Any bad line → everything is rolled back and the report lists every bad
line; conflicts are reported, not applied, and do not stop the file. A dry run rolls back too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from jiangqiao.casework.models import ServiceRecord
from jiangqiao.core import auditchain
from jiangqiao.core.choices import BusinessType, OperationStatus
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog
from jiangqiao.core.operations import record_operation
from jiangqiao.core.probes import Hits, ProbeLimited, elsewhere, guard, in_scope, record_key
from jiangqiao.core.scope import ScopeViolation, scope_q
from jiangqiao.core.sensitive import can_view_sensitive
from jiangqiao.core.uploads import too_large_message, upload_limit
from jiangqiao.demands.models import Demand, Enterprise
from jiangqiao.matching.models import MatchSuggestion
from jiangqiao.orgs.models import Organization
from jiangqiao.talents.models import Craftsman, Honour, ServiceItem, ServiceTeam, TeamMembership

from . import format as fmt
from .choices import BatchStatus, Direction, FileKind, Outcome, PiiMode, RecordType
from .models import ExchangeBatch, ExchangeRecord
from .records import HANDLERS, DataContext, ImportContext, LineError, comparable, diff_fields
from .validation import code_errors, schema_errors

MODULE = "数据交换"
EXPORT_PERMISSION = "exchange.export_exchange"
IMPORT_PERMISSION = "exchange.import_exchange"
CHUNK = 500
#: Entries kept per list in a batch report (the counts are always complete).
REPORT_CAP = 2000


def _root_org_id() -> int | None:
    root = Organization.objects.filter(parent__isnull=True).order_by("pk").first()
    return root.pk if root else None


def _batch_org_id(actor: Any) -> int:
    org_id = getattr(actor, "org_id", None) or _root_org_id()
    if org_id is None:
        raise BusinessError("系统中还没有任何组织，不能进行数据交换")
    return int(org_id)


# ================================================================================================
# Export
# ================================================================================================


def parse_types(raw: Any) -> list[str]:
    """Record types from a list or a comma-separated text; empty → every exportable type."""
    if raw in (None, "", []):
        return list(fmt.SUPPORTED_TYPES)
    if isinstance(raw, str):
        raw = list(raw.replace("，", ",").split(","))
    wanted = [str(t).strip() for t in raw if str(t).strip()]
    unknown = [t for t in wanted if t not in fmt.TYPE_ORDER]
    if unknown:
        raise BusinessError(
            f"记录类型：未知的类型“{'、'.join(unknown)}”（可选 {', '.join(fmt.TYPE_ORDER)}）",
            field="types",
        )
    return [t for t in fmt.TYPE_ORDER if t in wanted]


def parse_since(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise BusinessError(
            "起始游标：应为非负整数（上次导出文件头中的 cursor_to）", field="since"
        ) from None
    if value < 0 or value > 2**62:
        raise BusinessError("起始游标：应为非负整数（上次导出文件头中的 cursor_to）", field="since")
    return value


def parse_pii(raw: Any) -> str:
    if raw in (None, ""):
        return fmt.default_pii_mode()
    if raw not in PiiMode.values:
        raise BusinessError("个人标识形式：应为 full、masked 或 hash", field="pii")
    return str(raw)


# Change-log content types → how to reach the exchanged record they belong to.
def _change_roots() -> dict[int, tuple[str, str | None]]:
    """content type id → (record type, field of the change-log snapshot naming the root pk)."""
    get = ContentType.objects.get_for_model
    return {
        get(Enterprise).pk: (RecordType.ENTERPRISE, None),
        get(Craftsman).pk: (RecordType.CRAFTSMAN, None),
        get(Honour).pk: (RecordType.CRAFTSMAN, "craftsman"),
        get(ServiceItem).pk: (RecordType.CRAFTSMAN, "craftsman"),
        get(ServiceTeam).pk: (RecordType.TEAM, None),
        get(TeamMembership).pk: (RecordType.TEAM, "team"),
        get(Demand).pk: (RecordType.DEMAND, None),
        get(MatchSuggestion).pk: (RecordType.MATCH, None),
        get(ServiceRecord).pk: (RecordType.SERVICE_RECORD, None),
    }


def current_cursor() -> int:
    """The change log's last commit-order position, after sealing what has committed.

    Sealing (``core.auditchain``) gives the committed rows their positions in the order it sees
    them, under one lock, after their transactions commit; a row still in flight gets a higher
    position than this one when it commits. So every change at or below the returned cursor is
    committed and visible, and every later one will be above it."""
    auditchain.seal(ChangeLog.chain_name)
    return int(ChangeLog.objects.aggregate(m=Max("chain_seq"))["m"] or 0)


@dataclass
class ChangeSet:
    touched: dict[str, set[int]] = field(default_factory=dict)
    deleted: dict[str, set[int]] = field(default_factory=dict)


def _changes(actor: Any, since: int, until: int, types: list[str]) -> ChangeSet:
    roots = _change_roots()
    result = ChangeSet({t: set() for t in types}, {t: set() for t in types})
    # The cursor is the change log's commit-order position (``chain_seq``), not its id: a
    # transaction that commits after a later one gets its position when it commits, so it can
    # never fall below a cursor already handed out (docs/exchange.md §3.2).
    rows = ChangeLog.objects.filter(
        chain_seq__gt=since, chain_seq__lte=until, content_type_id__in=list(roots)
    ).values_list(
        "pk", "content_type_id", "object_id", "action", "prechange_data", "postchange_data"
    )
    deletes: dict[int, tuple[str, int]] = {}
    for pk, ct_id, object_id, action, before, after in rows.iterator(chunk_size=2000):
        record_type, via = roots[ct_id]
        if record_type not in result.touched:
            continue
        if via is None:
            try:
                root = int(object_id)
            except ValueError:
                continue
            if action == "delete":
                deletes[pk] = (record_type, root)
        else:
            snap = after or before or {}
            value = snap.get(via)
            if not isinstance(value, int):
                continue
            root = value
        result.touched[record_type].add(root)
    if deletes:
        # A deleted object can no longer be scoped through its model: use its change-log row's unit.
        allowed = set(
            ChangeLog.objects.filter(pk__in=list(deletes))
            .filter(scope_q(actor, org_field="org", owner_field="user"))
            .values_list("pk", flat=True)
        )
        for pk, (record_type, root) in deletes.items():
            model = HANDLERS[record_type].model
            if pk in allowed and actor.has_perm(
                f"{model._meta.app_label}.view_{model._meta.model_name}"
            ):
                result.deleted[record_type].add(root)
    return result


def _chunks(values: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def export_start(
    *,
    actor: Any,
    types: Any = None,
    since: Any = None,
    pii: Any = None,
    file_name: str = "",
) -> tuple[ExchangeBatch, Iterator[str]]:
    """Check the request, write the batch and operation-log rows, and return the lines (lazy)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied("您没有导出交换文件的权限")
    type_list = parse_types(types)
    cursor_from = parse_since(since)
    mode = parse_pii(pii)
    if mode == PiiMode.FULL and not can_view_sensitive(actor, Craftsman):
        raise BusinessError(
            "个人标识形式：导出明文身份证号、手机号需要“查看劳模工匠身份证号、手机号明文”权限",
            field="pii",
        )
    if mode != PiiMode.MASKED:
        fmt.hash_key()  # fail now, with a clear message, rather than in the middle of a stream
    cursor_to = current_cursor()
    kind = FileKind.SNAPSHOT if cursor_from is None else FileKind.CHANGES
    now = timezone.now()
    header = {
        "format": fmt.FORMAT,
        "version": fmt.VERSION,
        "instance": fmt.instance_id(),
        "kind": kind,
        "cursor_from": cursor_from,
        "cursor_to": cursor_to,
        "generated_at": now.isoformat(),
        "pii": mode,
        "types": type_list,
    }
    name = file_name or default_file_name(kind, now)
    batch = ExchangeBatch.objects.create(
        org_id=_batch_org_id(actor),
        created_by=actor,
        updated_by=actor,
        direction=Direction.EXPORT,
        kind=kind,
        file_name=name,
        source_instance=fmt.instance_id(),
        format_version=fmt.VERSION,
        pii=mode,
        types=type_list,
        cursor_from=cursor_from,
        cursor_to=cursor_to,
    )
    params = {"types": type_list, "since": cursor_from, "pii": mode}
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.EXPORT,
        action=f"导出交换文件（{FileKind(kind).label}，{PiiMode(mode).label}）",
        target=batch,
        params=params,
    )
    if mode == PiiMode.FULL and RecordType.CRAFTSMAN in type_list:
        # Like core.sensitive.reveal: every release of identifiers in clear is logged.
        record_operation(
            actor=actor,
            module="劳模工匠",
            business_type=BusinessType.VIEW_SENSITIVE,
            action=f"交换导出劳模工匠身份证号、手机号明文（批次 #{batch.pk}）",
            target=batch,
            extra={"purpose": "数据交换", "batch": batch.pk, **params},
        )
    lines = _export_lines(actor, batch, header, type_list, cursor_from, cursor_to, mode)
    return batch, lines


def default_file_name(kind: str, when: dt.datetime | None = None) -> str:
    when = timezone.localtime(when or timezone.now())
    return f"{fmt.instance_id()}_{kind}_{when:%Y%m%d_%H%M%S}.jsonl"


def _record_line(handler: Any, ctx: DataContext, obj: Any) -> dict[str, Any]:
    rid, source = ctx.identity(handler.record_type, handler.model, obj.pk)
    return {
        "type": handler.record_type,
        "id": rid,
        "source": source,
        "op": "upsert",
        "updated_at": handler.updated_at(obj).isoformat(),
        "version": getattr(obj, "version", None),
        "data": handler.to_data(obj, ctx),
    }


def _export_lines(
    actor: Any,
    batch: ExchangeBatch,
    header: dict[str, Any],
    types: list[str],
    cursor_from: int | None,
    cursor_to: int,
    mode: str,
) -> Iterator[str]:
    digest = hashlib.sha256()
    size = 0
    counts: dict[str, int] = {}
    finished = False

    def emit(obj: dict[str, Any]) -> str:
        nonlocal size
        line = fmt.dumps(obj) + "\n"
        raw = line.encode("utf-8")
        digest.update(raw)
        size += len(raw)
        return line

    try:
        yield emit(header)
        ctx = DataContext(pii=mode, actor=actor)
        changes = (
            _changes(actor, cursor_from, cursor_to, types) if cursor_from is not None else None
        )
        for record_type in types:
            handler = HANDLERS[record_type]
            qs = handler.export_queryset(actor)
            if changes is not None:
                wanted = sorted(changes.touched[record_type])
                pks = list(qs.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else []
                # ids may be many: filter per chunk instead of one huge IN list
            else:
                pks = list(qs.values_list("pk", flat=True))
            for chunk in _chunks(pks):
                objs = list(qs.filter(pk__in=chunk))
                ctx.prime(record_type, handler.model, chunk)
                for obj in objs:
                    counts[record_type] = counts.get(record_type, 0) + 1
                    yield emit(_record_line(handler, ctx, obj))
            if changes is not None:
                existing = set(
                    handler.model._default_manager.filter(
                        pk__in=changes.deleted[record_type]
                    ).values_list("pk", flat=True)
                )
                for pk in sorted(changes.deleted[record_type] - existing):
                    rid, source = ctx.identity(record_type, handler.model, pk)
                    counts[f"{record_type}_deleted"] = counts.get(f"{record_type}_deleted", 0) + 1
                    yield emit(
                        {
                            "type": record_type,
                            "id": rid,
                            "source": source,
                            "op": "delete",
                            "updated_at": timezone.now().isoformat(),
                            "version": None,
                            "data": None,
                        }
                    )
        finished = True
    finally:
        total = sum(counts.values())
        ExchangeBatch.objects.filter(pk=batch.pk).update(
            total=total,
            new_count=total,
            sha256=digest.hexdigest() if finished else "",
            size=size,
            status=BatchStatus.DONE if finished else BatchStatus.FAILED,
            report={"counts": counts, "complete": finished},
            finished_at=timezone.now(),
        )


def export_to_file(*, actor: Any, path: str, **kwargs: Any) -> ExchangeBatch:
    """Write an export to ``path`` (the command line)."""
    from pathlib import Path

    batch, lines = export_start(actor=actor, file_name=Path(path).name, **kwargs)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line)
    batch.refresh_from_db()
    return batch


# ================================================================================================
# Import
# ================================================================================================


@dataclass
class Parsed:
    line: int
    record: dict[str, Any]


@dataclass
class Report:
    errors: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Outcome.values, 0))
    error_lines: set[int] = field(default_factory=set)
    #: Records outside the importer's scope that lines matched (``core.probes``; not reported).
    foreign: set[str] = field(default_factory=set)

    def error(self, line: int, field_name: str, message: str) -> None:
        self.error_lines.add(line)
        if len(self.errors) < REPORT_CAP:
            self.errors.append({"line": line, "field": field_name, "message": message})

    def as_json(self) -> dict[str, Any]:
        return {
            "errors": self.errors,
            "conflicts": self.conflicts[:REPORT_CAP],
            "skipped": self.skipped[:REPORT_CAP],
            "records": self.records[:REPORT_CAP],
            "truncated": max(len(self.records), len(self.errors)) >= REPORT_CAP,
        }


def error_text(entry: dict[str, Any]) -> str:
    """``第12行【data.name】缺少必填字段``."""
    where = f"【{entry['field']}】" if entry.get("field") else ""
    return f"第{entry['line']}行{where}{entry['message']}"


def _parse(content: bytes, report: Report) -> tuple[dict[str, Any] | None, list[Parsed]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.error(0, "", f"文件不是 UTF-8 编码的文本（第 {exc.start} 字节处）")
        return None, []
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        report.error(1, "", "文件为空，或第一行不是文件头")
        return None, []
    header = _parse_header(lines[0], report)
    if header is None:
        return None, []
    records: list[Parsed] = []
    version = str(header["version"])
    for n, raw in enumerate(lines[1:], start=2):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            report.error(n, "", f"不是合法的 JSON（第 {exc.colno} 列：{exc.msg}）")
            continue
        if not isinstance(obj, dict):
            report.error(n, "", "每一行应是一个 JSON 对象")
            continue
        problems = schema_errors("record", obj)
        if problems:
            for path, message in problems:
                report.error(n, path, message)
            continue
        record_type = obj["type"]
        if record_type not in fmt.TYPE_ORDER:
            report.error(
                n, "type", f"未知的记录类型“{record_type}”（可选 {', '.join(fmt.TYPE_ORDER)}）"
            )
            continue
        parts = fmt.split_record_id(obj["id"])
        if parts is None or parts[0] != obj["source"] or parts[1] != record_type:
            report.error(
                n, "id", f"记录ID“{obj['id']}”应为“{obj['source']}:{record_type}:<来源主键>”"
            )
            continue
        if obj["op"] == "upsert":
            if not isinstance(obj.get("data"), dict):
                report.error(n, "data", "op 为 upsert 时 data 不能为空")
                continue
            problems = schema_errors(record_type, obj["data"], "data") + code_errors(obj["data"])
            problems += [
                (
                    f"data.{key}",
                    f"格式 {version} 的文件不能包含此字段（请把文件头的 version 写为新版本）",
                )
                for key in fmt.keys_too_new(version, record_type, obj["data"])
            ]
            if problems:
                for path, message in problems:
                    report.error(n, path, message)
                continue
        records.append(Parsed(n, obj))
    return header, records


def _parse_header(raw: str, report: Report) -> dict[str, Any] | None:
    try:
        header = json.loads(raw)
    except json.JSONDecodeError as exc:
        report.error(1, "", f"文件头不是合法的 JSON（第 {exc.colno} 列：{exc.msg}）")
        return None
    if not isinstance(header, dict) or header.get("format") != fmt.FORMAT:
        report.error(1, "format", f"不是匠桥交换文件：文件头的 format 应为“{fmt.FORMAT}”")
        return None
    version = header.get("version")
    if version not in fmt.SUPPORTED_VERSIONS:
        report.error(
            1,
            "version",
            f"格式版本“{version}”不受支持（本实例支持 {', '.join(fmt.SUPPORTED_VERSIONS)}）",
        )
        return None
    problems = schema_errors("header", header)
    if problems:
        for path, message in problems:
            report.error(1, path, message)
        return None
    return header


def _error_message(exc: Exception) -> tuple[str, str]:
    """(field, message) of an exception raised while applying a record."""
    if isinstance(exc, LineError):
        return exc.field, exc.message
    if isinstance(exc, BusinessError):
        return (f"data.{exc.field}" if exc.field else ""), exc.message
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            name, messages = next(iter(exc.message_dict.items()))
            return ("" if name == "__all__" else f"data.{name}"), "；".join(messages)
        return "", "；".join(exc.messages)
    if isinstance(exc, ScopeViolation):
        return "data.org", str(exc)
    if isinstance(exc, PermissionDenied):
        return "", str(exc) or "您没有此操作的权限"
    if isinstance(exc, IntegrityError):
        return "", "数据与本实例已有记录冲突（唯一性或关联约束），未写入"
    return "", f"无法导入：{exc}"


APPLY_ERRORS = (
    LineError,
    BusinessError,
    ValidationError,
    ScopeViolation,
    PermissionDenied,
    IntegrityError,
    ValueError,
    ArithmeticError,
)


def _record_entry(item: Parsed, outcome: str, obj: Any = None, **extra: Any) -> dict[str, Any]:
    entry = {
        "line": item.line,
        "type": item.record["type"],
        "id": item.record["id"],
        "outcome": outcome,
        **extra,
    }
    if obj is not None:
        entry["object"] = str(obj)[:200]
        url = getattr(obj, "get_absolute_url", None)
        entry["url"] = url() if callable(url) else ""
    return entry


def _save_mapping(
    ctx: ImportContext, item: Parsed, handler: Any, obj: Any, row: ExchangeRecord | None
) -> None:
    record = item.record
    data = record.get("data") or {}
    values = {
        "content_type": ContentType.objects.get_for_model(handler.model),
        "object_id": obj.pk,
        "source_updated_at": _parse_time(record.get("updated_at")),
        "source_version": record.get("version"),
        "fingerprint": fmt.fingerprint(data),
        "local_fingerprint": handler.local_fingerprint(
            handler.model._default_manager.get(pk=obj.pk)
        ),
        "last_batch": ctx.batch,
    }
    if record["type"] == RecordType.CRAFTSMAN and data.get("id_hash"):
        values["key_hash"] = data["id_hash"]
    if row is None:
        ExchangeRecord.objects.create(
            source_instance=record["source"],
            record_type=record["type"],
            source_id=record["id"],
            first_batch=ctx.batch,
            **values,
        )
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.save()


def _parse_time(value: Any) -> dt.datetime | None:
    from .records import _datetime

    try:
        return _datetime(value)
    except ValueError:
        return None


def _conflict(
    report: Report, item: Parsed, obj: Any, fields: list[str], reason: str, handler: Any
) -> None:
    labels = []
    for name in fields:
        try:
            labels.append(str(handler.model._meta.get_field(name).verbose_name))
        except Exception:
            labels.append(
                {
                    "honours": "荣誉",
                    "service_items": "技术服务项目",
                    "members": "队员",
                    "lead": "领衔人",
                    "summary": "推荐理由",
                }.get(name, name)
            )
    local_time = handler.updated_at(obj)
    entry = _record_entry(
        item,
        Outcome.CONFLICT,
        obj,
        fields=fields,
        field_labels=labels,
        reason=reason,
        local_updated_at=local_time.isoformat() if local_time else None,
        incoming_updated_at=item.record.get("updated_at"),
    )
    report.conflicts.append(entry)
    report.records.append(entry)


#: A line matching a record outside the importer's scope (``core.probes``): what the record is
#: called, and the key of ``data`` it was found by.
FOREIGN_KEYS = {
    RecordType.ENTERPRISE: ("企业", "data.uscc"),
    RecordType.CRAFTSMAN: ("人员", "data.id_hash"),
    RecordType.DEMAND: ("需求", "data.number"),
    RecordType.TEAM: ("服务队", ""),
    RecordType.MATCH: ("匹配建议", ""),
    RecordType.SERVICE_RECORD: ("服务记录", ""),
}


def _refuse_foreign(
    ctx: ImportContext, report: Report, item: Parsed, handler: Any, obj: Any, *, by_id: bool
) -> None:
    """``obj`` (matched by the line's source id, or by its natural key) belongs to another unit:
    the line says only that — no name, link, verdict or differing fields — and is counted."""
    if obj is None or in_scope(ctx.actor, handler.model, obj.pk):
        return
    report.foreign.add(record_key(handler.model, obj.pk))
    noun, key = FOREIGN_KEYS.get(item.record["type"], ("记录", ""))
    if by_id:
        key = "id"
    elif key == "data.id_hash" and (item.record.get("data") or {}).get("id_number"):
        key = "data.id_number"
    raise LineError(key, elsewhere(noun))


def _apply(ctx: ImportContext, item: Parsed, report: Report) -> str:
    record = item.record
    record_type = record["type"]
    if record["source"] == ctx.instance:
        report.skipped.append(
            _record_entry(item, Outcome.SKIPPED, reason="本实例自己的记录（往返），不再导入")
        )
        return Outcome.SKIPPED
    handler = HANDLERS[record_type]
    row = ExchangeRecord.objects.filter(
        source_instance=record["source"], record_type=record_type, source_id=record["id"]
    ).first()
    obj = handler.model._default_manager.filter(pk=row.object_id).first() if row else None
    # The mapping may lead to another unit's object (imported by someone else): not a word about
    # it, not even 未变化 with its name — only that it is registered elsewhere (counted, logged).
    _refuse_foreign(ctx, report, item, handler, obj, by_id=True)
    if obj is not None:
        ctx.require(handler, obj, "view", "id")
    data = record.get("data") or {}

    if record["op"] == "delete":
        if obj is None:
            report.records.append(_record_entry(item, Outcome.UNCHANGED, reason="本地已无此记录"))
            return Outcome.UNCHANGED
        if handler.local_fingerprint(obj) != row.local_fingerprint:  # type: ignore[union-attr]
            _conflict(
                report, item, obj, [], "本地在上次导入后修改过，来源要求删除，未删除", handler
            )
            return Outcome.CONFLICT
        if not handler.delete(ctx, obj):
            report.skipped.append(
                _record_entry(item, Outcome.SKIPPED, obj, reason="主数据不删除：请在本实例停用")
            )
            return Outcome.SKIPPED
        row.delete()  # type: ignore[union-attr]
        report.records.append(_record_entry(item, Outcome.UPDATED, reason="已删除"))
        return Outcome.UPDATED

    incoming_fp = fmt.fingerprint(data)
    if row is not None and obj is not None and row.fingerprint == incoming_fp:
        report.records.append(_record_entry(item, Outcome.UNCHANGED, obj))
        return Outcome.UNCHANGED

    resolved = handler.resolve_refs(ctx, data)
    values = comparable(resolved)
    incoming_time = _parse_time(record.get("updated_at"))

    if row is not None and obj is not None:
        if row.source_updated_at and incoming_time and incoming_time < row.source_updated_at:
            report.skipped.append(
                _record_entry(
                    item,
                    Outcome.SKIPPED,
                    obj,
                    reason=f"来源记录早于上次导入的版本（{row.source_updated_at.isoformat()}），未覆盖",
                )
            )
            return Outcome.SKIPPED
        if handler.local_fingerprint(obj) != row.local_fingerprint:
            fields = diff_fields(handler.local_values(obj, data), values)
            _conflict(report, item, obj, fields, "本地在上次导入后修改过，来源也有新版本", handler)
            return Outcome.CONFLICT
        ctx.require(handler, obj, handler.update_action, "id")
        org = handler.place(ctx, data, values)
        obj = handler.update(ctx, obj, data, values, org)
        _save_mapping(ctx, item, handler, obj, row)
        report.records.append(_record_entry(item, Outcome.UPDATED, obj))
        return Outcome.UPDATED

    if row is not None and obj is None:
        # Imported before, deleted here since.
        report.skipped.append(
            _record_entry(item, Outcome.SKIPPED, reason="该记录导入后已在本实例删除，未重新创建")
        )
        return Outcome.SKIPPED

    org = handler.place(ctx, data, values)
    existing = handler.lookup(ctx, data, values, org)
    _refuse_foreign(ctx, report, item, handler, existing, by_id=False)
    if existing is not None:
        # Found by its natural key: another unit's object is neither linked nor compared.
        ctx.require(handler, existing, "view", handler.key_field)
        local = handler.local_values(existing, data)
        fields = diff_fields(local, values)
        if not fields:
            _save_mapping(ctx, item, handler, existing, None)
            report.records.append(
                _record_entry(item, Outcome.UNCHANGED, existing, reason="与本地记录一致，已关联")
            )
            return Outcome.UNCHANGED
        local_time = handler.updated_at(existing)
        if incoming_time is None or local_time >= incoming_time:
            _conflict(
                report, item, existing, fields, "本实例已有同一对象且更新时间不早于来源", handler
            )
            return Outcome.CONFLICT
        ctx.require(handler, existing, handler.update_action, handler.key_field)
        obj = handler.update(ctx, existing, data, values, org)
        _save_mapping(ctx, item, handler, obj, None)
        report.records.append(
            _record_entry(item, Outcome.UPDATED, obj, reason="按自然键关联并更新")
        )
        return Outcome.UPDATED

    obj = handler.create(ctx, data, values, org)
    _save_mapping(ctx, item, handler, obj, None)
    report.records.append(_record_entry(item, Outcome.NEW, obj))
    return Outcome.NEW


def import_file(
    *,
    actor: Any,
    content: bytes,
    file_name: str = "",
    dry_run: bool = False,
    target_org: Organization | None = None,
) -> ExchangeBatch:
    """Import an exchange file; returns the batch with its counts and report.

    Nothing is written unless every line is valid and applicable (one transaction); a dry run
    writes nothing either. The batch row and the operation-log row are always written.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied("您没有导入交换文件的权限")
    guard(actor)  # over the limit of matches with other units' records (core.probes)
    if len(content) > (limit := upload_limit("exchange")):
        raise BusinessError(
            too_large_message("交换文件", len(content), limit) + "，请按类型或游标分批导出",
            field="file",
        )
    if target_org is None:
        target_org = getattr(actor, "org", None)
    elif not Organization.objects.visible_to(actor, "view").filter(pk=target_org.pk).exists():
        raise BusinessError("导入到的组织：不存在或不在您的数据范围内", field="target_org")
    started = timezone.now()
    report = Report()
    header, parsed = _parse(content, report)
    batch = ExchangeBatch.objects.create(
        org_id=_batch_org_id(actor),
        created_by=actor,
        updated_by=actor,
        direction=Direction.IMPORT,
        kind=(header or {}).get("kind", ""),
        file_name=(file_name or "")[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        source_instance=str((header or {}).get("instance", ""))[:100],
        format_version=str((header or {}).get("version", ""))[:10],
        pii=(header or {}).get("pii", ""),
        types=sorted({p.record["type"] for p in parsed}, key=fmt.TYPE_ORDER.index),
        cursor_from=(header or {}).get("cursor_from"),
        cursor_to=(header or {}).get("cursor_to"),
        dry_run=dry_run,
    )
    if header is not None:
        ctx = ImportContext(actor=actor, target_org=target_org, pii=header["pii"], batch=batch)
        order = {t: i for i, t in enumerate(fmt.TYPE_ORDER)}
        parsed.sort(key=lambda p: (order[p.record["type"]], p.line))
        with transaction.atomic():
            for item in parsed:
                try:
                    with transaction.atomic():
                        outcome = _apply(ctx, item, report)
                except APPLY_ERRORS as exc:
                    name, message = _error_message(exc)
                    report.error(item.line, name, message)
                    report.records.append(_record_entry(item, Outcome.ERROR, reason=message))
                    continue
                report.counts[outcome] += 1
            if report.error_lines or dry_run:
                transaction.set_rollback(True)
    total = len(parsed) + len(report.error_lines - {p.line for p in parsed})
    hits = Hits(keys=report.foreign)
    limited: ProbeLimited | None = None
    try:
        hits.charge(actor)
    except ProbeLimited as exc:
        # Over the limit: nothing per line (which lines matched would still answer).
        limited = exc
        report = Report()
        report.error(1, "", exc.message)
    report.counts[Outcome.ERROR] = len(report.error_lines)
    report.errors.sort(key=lambda e: (e["line"], e["field"]))
    failed = bool(report.error_lines) or header is None
    status = (
        BatchStatus.FAILED if failed else (BatchStatus.DRY_RUN if dry_run else BatchStatus.DONE)
    )
    counts = report.counts
    ExchangeBatch.objects.filter(pk=batch.pk).update(
        status=status,
        total=total,
        new_count=counts[Outcome.NEW],
        updated_count=counts[Outcome.UPDATED],
        unchanged_count=counts[Outcome.UNCHANGED],
        conflict_count=counts[Outcome.CONFLICT],
        error_count=counts[Outcome.ERROR],
        skipped_count=counts[Outcome.SKIPPED],
        report=report.as_json(),
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()
    verb = "预检" if dry_run else "导入"
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.IMPORT,
        action=f"{verb}交换文件“{batch.file_name or batch.sha256[:12]}”（来源 {batch.source_instance or '未知'}）",
        target=batch,
        status=OperationStatus.FAIL if failed else OperationStatus.SUCCESS,
        error="；".join(error_text(e) for e in report.errors[:20]),
        params={"dry_run": dry_run, "file_name": batch.file_name, "sha256": batch.sha256},
        extra={o: counts[o] for o in Outcome.values},
        cost_ms=int((timezone.now() - started).total_seconds() * 1000),
    )
    hits.log(
        actor,
        module=MODULE,
        what=f"{verb}交换文件“{batch.file_name or batch.sha256[:12]}”",
        noun="记录",
        target=batch,
    )
    if limited is not None:
        raise limited
    return batch


# ================================================================================================
# Provenance of a local object
# ================================================================================================


def provenance(obj: models.Model) -> list[ExchangeRecord]:
    """Which instances (and records) a local object was imported from, oldest first."""
    ct = ContentType.objects.get_for_model(type(obj))
    return list(ExchangeRecord.objects.filter(content_type=ct, object_id=obj.pk).order_by("pk"))


def batch_records(
    batch: ExchangeBatch, outcomes: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    rows = (batch.report or {}).get("records") or []
    if outcomes is None:
        return list(rows)
    wanted = set(outcomes)
    return [r for r in rows if r.get("outcome") in wanted]
