"""Live exchange between two instances over HTTP (``docs/exchange.md`` §11 实时交换).

The sending side (a province) pushes; the receiving side (the national instance) applies.

* **Sender** (``peer_sync``): under a lease on the peer row (one sync per peer at a time, across
  processes), if no batch is waiting for an acknowledgement it exports the changes after the
  peer's ``acked_cursor`` (the change log's commit-order position, so nothing committed late is
  skipped) and keeps the bytes, a fresh batch key and the batch's ``cursor_to`` on the peer row.
  It POSTs them to ``<base_url>/api/v1/exchange/receive/`` with the peer's token and the key.
  Only an answer "applied" or "already applied" advances ``acked_cursor``; any failure (no
  connection, a cut connection, a timeout, a 5xx, the receiver killed) keeps the batch, which is
  sent again whole — same key, same bytes — at the next attempt.
* **Receiver** (``receive_batch``): a batch key already receipted with the same SHA-256 is
  answered "already applied" (with the first application's counts and conflicts) and nothing
  is written; otherwise the batch is imported (``services.import_file``) and its receipt
  written in the same transaction, and the answer is sent only after that commits. A batch
  cut midway rolls back whole, receipt included, and is applied when it is resent.

Conflicts are reported on both sides: the receiver's import batch keeps them in its report and
the answer carries them; the sender stores them on the peer (``last_result``) and on its export
batch (``report.remote``). The lag of a peer is the age of the oldest change it has not
acknowledged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import logging
import re
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone

from jiangqiao.core.choices import BusinessType, OperationStatus
from jiangqiao.core.crypto import decrypt_bytes, encrypt_bytes
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ChangeLog
from jiangqiao.core.operations import record_operation

from . import format as fmt
from . import services
from .choices import BatchStatus
from .models import ExchangeBatch, ExchangePeer, ExchangeReceipt

logger = logging.getLogger(__name__)

RECEIVE_PATH = "/api/v1/exchange/receive/"
BATCH_HEADER = "X-Exchange-Batch"
SYNC_PERMISSION = "exchange.sync_exchangepeer"
MANAGE_PERMISSION = "exchange.change_exchangepeer"
#: One sync holds the peer at most this long (a process killed mid-sync frees it after that).
LEASE = dt.timedelta(minutes=3)
TIMEOUT_SECONDS = 120  # under LEASE: a sync that waits this long still holds its lease
#: Conflicts kept per answer on the sending side (the receiver's batch keeps them all).
CONFLICTS_KEPT = 200
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PEER_FIELDS = ("name", "base_url", "run_as", "types", "pii", "interval_minutes", "is_active")


# ================================================================================================
# Peers
# ================================================================================================


@transaction.atomic
def peer_save(
    *, actor: Any, data: dict[str, Any], peer: ExchangePeer | None = None
) -> ExchangePeer:
    """Create or change a peer. ``data["token"]``, when given and not blank, replaces the token."""
    perm = MANAGE_PERMISSION if peer is not None else "exchange.add_exchangepeer"
    if not actor.has_perm(perm):
        raise PermissionDenied("您没有配置交换对端的权限")
    unknown = set(data) - set(PEER_FIELDS) - {"token"}
    if unknown:
        raise BusinessError(f"不能设置的字段：{'、'.join(sorted(unknown))}")
    run_as = data.get("run_as", peer.run_as if peer else None)
    if run_as is None or not run_as.is_active:
        raise BusinessError("导出账号：请选择一个启用的账号", field="run_as")
    if not run_as.has_perm(services.EXPORT_PERMISSION):
        raise BusinessError("导出账号：该账号没有“导出交换文件”权限", field="run_as")
    types = services.parse_types(data.get("types", peer.types if peer else None))
    pii = services.parse_pii(data.get("pii", peer.pii if peer else None))
    url = str(data.get("base_url", peer.base_url if peer else "") or "").strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise BusinessError("对方地址：应以 http:// 或 https:// 开头", field="base_url")
    obj = peer or ExchangePeer(org_id=services._batch_org_id(actor), created_by=actor)
    for name in ("name", "interval_minutes", "is_active"):
        if name in data:
            setattr(obj, name, data[name])
    obj.base_url, obj.run_as, obj.pii, obj.updated_by = url, run_as, pii, actor
    obj.types = [] if set(types) == set(fmt.SUPPORTED_TYPES) else types
    if (data.get("token") or "").strip():
        obj.token = data["token"].strip()
    if not obj.token:
        raise BusinessError("API 令牌：请填写对方签发的令牌（范围“数据交换”）", field="token")
    if not obj.interval_minutes or obj.interval_minutes > 24 * 60:
        raise BusinessError("同步间隔：应在 1 到 1440 分钟之间", field="interval_minutes")
    obj.full_clean(exclude=["org", "run_as"])
    obj.save()
    record_operation(
        actor=actor,
        module=services.MODULE,
        business_type=BusinessType.UPDATE if peer else BusinessType.INSERT,
        action=f"{'修改' if peer else '新增'}交换对端“{obj.name}”（{obj.base_url}）",
        target=obj,
    )
    return obj


def lag_seconds(peer: ExchangePeer, *, now: dt.datetime | None = None) -> float:
    """Seconds since the oldest exchanged change the peer has not acknowledged (0: none)."""
    now = now or timezone.now()
    roots = list(services._change_roots())
    oldest = ChangeLog.objects.filter(content_type_id__in=roots).filter(
        Q(chain_seq__gt=peer.acked_cursor) | Q(chain_seq__isnull=True)
    )
    first = oldest.aggregate(t=Min("time"))["t"]
    return max(0.0, (now - first).total_seconds()) if first else 0.0


def lag_text(seconds: float) -> str:
    """``0``: 无滞后; else 天/小时/分/秒, the two largest units."""
    total = int(seconds)
    if total <= 0:
        return "无滞后"
    parts = []
    for unit, size in (("天", 86400), ("小时", 3600), ("分", 60), ("秒", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return "".join(parts[:2])


def max_lag_seconds() -> float | None:
    """The largest lag of the active peers (the Prometheus gauge); ``None`` without a peer."""
    peers = list(ExchangePeer.objects.filter(is_active=True))
    if not peers:
        return None
    now = timezone.now()
    return max(lag_seconds(p, now=now) for p in peers)


# ================================================================================================
# Sender
# ================================================================================================


def _update(peer: ExchangePeer, **values: Any) -> None:
    ExchangePeer.objects.filter(pk=peer.pk).update(**values)
    for key, value in values.items():
        setattr(peer, key, value)


def _take_lease(peer: ExchangePeer) -> bool:
    now = timezone.now()
    return bool(
        ExchangePeer.objects.filter(pk=peer.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )


def _prepare(peer: ExchangePeer) -> None:
    """Export the changes after ``acked_cursor`` into the pending batch (nothing to send: the
    cursor moves on without a batch). A new link starts with a snapshot: the change log may have
    been purged, and rows written around it are only in a snapshot."""
    first = peer.acked_cursor <= 0
    cursor = services.current_cursor()
    carried = ChangeLog.objects.filter(
        chain_seq__gt=peer.acked_cursor,
        chain_seq__lte=cursor,
        content_type_id__in=list(services._change_roots()),
    )
    if not first and not carried.exists():
        # Nothing this link carries has changed: move on without a batch.
        _update(
            peer,
            acked_cursor=max(cursor, peer.acked_cursor),
            last_success_at=timezone.now(),
            last_error="",
        )
        return
    key = uuid.uuid4().hex
    batch, lines = services.export_start(
        actor=peer.run_as,
        types=peer.types or None,
        since=None if first else peer.acked_cursor,
        pii=peer.pii,
        file_name=f"live-{peer.name}-{key}.jsonl"[:255],
    )
    content = "".join(lines).encode("utf-8")
    batch.refresh_from_db()
    if batch.status != BatchStatus.DONE:
        raise BusinessError("导出未完成，本次不发送")
    if batch.total == 0:
        # Changes of records this link does not carry (or outside the export account's scope).
        _update(
            peer,
            acked_cursor=batch.cursor_to,
            last_success_at=timezone.now(),
            last_error="",
            last_result={"result": "nothing", "cursor_to": batch.cursor_to},
        )
        return
    _update(
        peer,
        pending_key=key,
        pending_content=encrypt_bytes(content),
        pending_cursor_to=batch.cursor_to,
        pending_batch=batch,
        attempts=0,
    )


def pending_body(peer: ExchangePeer) -> bytes:
    """The pending batch as sent: kept encrypted with the field key until it is acknowledged
    (with ``pii=full`` it carries personal data such as mobiles in clear)."""
    return decrypt_bytes(bytes(peer.pending_content)) if peer.pending_content else b""


def _post(peer: ExchangePeer) -> tuple[int, dict[str, Any]]:
    """Send the pending batch; ``(status, answer)``; status 0 when there was no HTTP answer."""
    # The scheme is checked when the peer is saved (http/https only).
    request = urllib.request.Request(  # noqa: S310
        peer.base_url.rstrip("/") + RECEIVE_PATH,
        data=pending_body(peer),
        method="POST",
        headers={
            "Authorization": f"Token {peer.token}",
            "Content-Type": f"{fmt.CONTENT_TYPE}; charset=utf-8",
            "Accept": "application/json",
            BATCH_HEADER: peer.pending_key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        return 0, {"detail": f"连接对方失败或连接中断：{reason}"}
    try:
        answer = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = {"detail": f"对方的应答不是 JSON（HTTP {status}）"}
    return status, answer if isinstance(answer, dict) else {"detail": str(answer)[:200]}


def _error_summary(status: int, answer: dict[str, Any]) -> str:
    head = f"HTTP {status}：" if status else ""
    errors = answer.get("errors") or []
    if errors:
        lines = "；".join(services.error_text(e) for e in errors[:5] if isinstance(e, dict))
        return f"{head}对方拒收该批次（未写入）：{lines}"[:2000]
    detail = answer.get("detail") or answer.get("message") or "对方未说明原因"
    return f"{head}{detail}"[:2000]


def _acknowledged(peer: ExchangePeer, answer: dict[str, Any]) -> None:
    conflicts = [c for c in answer.get("conflicts") or [] if isinstance(c, dict)]
    result = {
        "result": answer.get("result"),
        "batch_key": peer.pending_key,
        "cursor_to": peer.pending_cursor_to,
        "remote_batch": answer.get("batch"),
        "counts": answer.get("counts") or {},
        "conflicts": conflicts[:CONFLICTS_KEPT],
        "conflict_count": len(conflicts),
        "attempts": peer.attempts,
    }
    with transaction.atomic():
        if peer.pending_batch_id:
            batch = ExchangeBatch.objects.select_for_update().get(pk=peer.pending_batch_id)
            batch.report = {**(batch.report or {}), "remote": result}
            batch.conflict_count = len(conflicts)
            batch.save(update_fields=["report", "conflict_count"])
        _update(
            peer,
            acked_cursor=peer.pending_cursor_to,
            pending_key="",
            pending_content=None,
            pending_cursor_to=None,
            pending_batch=None,
            attempts=0,
            last_success_at=timezone.now(),
            last_error="",
            last_result=result,
        )


def _deliver(peer: ExchangePeer) -> str:
    _update(peer, attempts=peer.attempts + 1, last_attempt_at=timezone.now())
    status, answer = _post(peer)
    if status in (200, 201) and answer.get("result") in ("applied", "already_applied"):
        _acknowledged(peer, answer)
        return str(answer["result"])
    message = _error_summary(status, answer)
    if status == 409:
        # The key is known there with other content: start again from the acknowledged cursor.
        _update(peer, pending_key="", pending_content=None, pending_cursor_to=None)
    _update(peer, last_error=message)
    return "failed"


def peer_sync(*, peer: ExchangePeer, actor: Any = None) -> str:
    """Push what the peer has not acknowledged; ``applied``/``already_applied``/``nothing``/
    ``failed``/``busy``. ``actor``: the staff member who pressed 立即同步 (``None``: the tick)."""
    if actor is not None and not actor.has_perm(SYNC_PERMISSION):
        raise PermissionDenied("您没有立即同步交换对端的权限")
    if not _take_lease(peer):
        return "busy"
    started = timezone.now()
    outcome = "failed"
    try:
        peer.refresh_from_db()
        if not peer.pending_key:
            _prepare(peer)
        outcome = _deliver(peer) if peer.pending_key else "nothing"
    except (BusinessError, PermissionDenied) as exc:
        _update(peer, last_error=getattr(exc, "message", None) or str(exc) or "导出被拒绝")
    finally:
        _update(peer, lease_until=None)
    if outcome != "nothing" or actor is not None:
        record_operation(
            actor=actor or peer.run_as,
            module=services.MODULE,
            business_type=BusinessType.EXPORT,
            action=f"向交换对端“{peer.name}”同步（{OUTCOME_LABELS.get(outcome, outcome)}）",
            target=peer,
            status=OperationStatus.FAIL if outcome == "failed" else OperationStatus.SUCCESS,
            error=peer.last_error if outcome == "failed" else "",
            params={"cursor": peer.acked_cursor, "batch_key": peer.pending_key},
            cost_ms=int((timezone.now() - started).total_seconds() * 1000),
        )
    return outcome


OUTCOME_LABELS = {
    "applied": "对方已应用",
    "already_applied": "对方此前已应用（重发确认）",
    "nothing": "无新变更",
    "failed": "失败，待重发",
    "busy": "正在同步中",
}


def sync_due(*, now: dt.datetime | None = None) -> dict[str, str]:
    """The periodic tick: every active peer whose interval has passed since its last attempt."""
    now = now or timezone.now()
    results = {}
    for peer in ExchangePeer.objects.filter(is_active=True).select_related("run_as"):
        last = peer.last_attempt_at or peer.last_success_at
        if last is not None and now - last < dt.timedelta(minutes=peer.interval_minutes):
            continue
        try:
            results[peer.name] = peer_sync(peer=peer)
        except Exception:  # one peer must not stop the others; the error is on the peer
            logger.exception("交换对端 %s 同步失败", peer.name)
            results[peer.name] = "failed"
    return results


# ================================================================================================
# Receiver
# ================================================================================================


class BatchKeyReused(BusinessError):
    """A batch key already applied with other content (HTTP 409)."""


def _source_of(content: bytes) -> str:
    first = content.split(b"\n", 1)[0]
    try:
        header = json.loads(first.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    return str(header.get("instance", ""))[:100] if isinstance(header, dict) else ""


def answer_of(receipt_or_batch: ExchangeBatch, result: str) -> dict[str, Any]:
    """What the receiver answers: the outcome, its batch, counts, conflicts and errors (no names
    or links of local objects)."""
    batch = receipt_or_batch
    report = batch.report or {}
    keep = ("line", "type", "id", "fields", "field_labels", "reason")
    return {
        "result": result,
        "batch": batch.pk,
        "counts": {
            "total": batch.total,
            "new": batch.new_count,
            "updated": batch.updated_count,
            "unchanged": batch.unchanged_count,
            "conflict": batch.conflict_count,
            "skipped": batch.skipped_count,
            "error": batch.error_count,
        },
        "conflicts": [{k: c.get(k) for k in keep} for c in report.get("conflicts") or []],
        "errors": report.get("errors") or [],
    }


def receive_batch(*, actor: Any, content: bytes, batch_key: str) -> tuple[str, ExchangeBatch]:
    """Apply a live batch exactly once: ``("applied" | "already_applied" | "failed", batch)``.

    A key seen before with other content is refused (``BusinessError``, field ``batch``)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(
        services.IMPORT_PERMISSION
    ):
        raise PermissionDenied("您没有导入交换文件的权限")
    if not _KEY.match(batch_key or ""):
        raise BusinessError(
            f"批次键：请求头 {BATCH_HEADER} 应为 8–64 位字母、数字、下划线或连字符", field="batch"
        )
    digest = hashlib.sha256(content).hexdigest()
    source = _source_of(content)
    seen = _seen(source, batch_key, digest)
    if seen is not None:
        return "already_applied", seen
    try:
        with transaction.atomic():
            batch = services.import_file(
                actor=actor, content=content, file_name=f"live-{batch_key}.jsonl"
            )
            if batch.status != BatchStatus.DONE:
                return "failed", batch
            ExchangeReceipt.objects.create(
                source_instance=source,
                batch_key=batch_key,
                sha256=digest,
                batch=batch,
                cursor_from=batch.cursor_from,
                cursor_to=batch.cursor_to,
            )
    except IntegrityError:
        # The same batch delivered twice at once: the other delivery applied it.
        seen = _seen(source, batch_key, digest)
        if seen is None:
            raise
        return "already_applied", seen
    return "applied", batch


def _seen(source: str, batch_key: str, digest: str) -> ExchangeBatch | None:
    receipt = (
        ExchangeReceipt.objects.select_related("batch")
        .filter(source_instance=source, batch_key=batch_key)
        .first()
    )
    if receipt is None:
        return None
    if receipt.sha256 != digest:
        raise BatchKeyReused(
            "批次键已用于内容不同的批次：同一批次重发时内容必须完全相同，未写入", field="batch"
        )
    ExchangeReceipt.objects.filter(pk=receipt.pk).update(resent=receipt.resent + 1)
    return receipt.batch
