"""Services of demand attachments (附件, issue 18 point 5; docs/intake.md "附件").

An upload goes through :func:`attachment_prepare` (no database write): present and not empty,
within ``JIANGQIAO_ATTACHMENT_MAX_BYTES``, its type told by content (jpg/png/webp photos, PDF,
DWG drawings; ``core.files.sniff``), a photo decoded, turned upright and stripped of EXIF/GPS with
a thumbnail made (``core.files.clean_photo``; a corrupt image is refused), then scanned
(``core.scanning``). An infected verdict is refused and written to the operation log at once (in
its own transaction, before the caller's: the refusal stays on record though nothing is saved);
a configured scanner that does not answer refuses the upload too.

:func:`attachment_store` then writes the files and the row in the caller's transaction, under a
lock of the demand (at most ``JIANGQIAO_ATTACHMENT_MAX_FILES`` per demand, also when two uploads
race). :func:`attachment_add` is both for one file on an existing demand; the phone form prepares
the file first and creates the demand and the attachment in one transaction (all or nothing).

Who may add: whoever may change the demand (its unit's staff, its enterprise's contact) while the
demand has not ended (已办结/已撤回/已取消). Who may remove: staff who may change the demand, or
the person who added the file. Files go with their row (``on_attachment_deleted``), with the
demand's retention (``purge_ended``) and, when left by a rolled-back upload, with the daily
``attachment_sweep``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction

from jiangqiao.core import files, scanning
from jiangqiao.core.choices import BusinessType, OperationStatus
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.uploads import check_size, too_large_message, upload_limit

from .choices import DemandStatus
from .models import Demand
from .models_attachments import DemandAttachment, ScanStatus

logger = logging.getLogger(__name__)

MODULE = "需求附件"
LABEL = "附件"
FIELD = "attachment"
#: Photos, PDFs and CAD drawings; office documents are not needed to describe a problem.
ATTACHMENT_KINDS = ("jpg", "png", "webp", "pdf", "dwg")
#: What the file input offers on a phone (the camera or the gallery, or a PDF).
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf,.dwg"
#: A demand that ended takes no new file.
ENDED = (DemandStatus.CLOSED, DemandStatus.WITHDRAWN, DemandStatus.CANCELLED)
#: Attachments go this long after their demand ended (closed, withdrawn or cancelled).
KEEP_DAYS = 3 * 365
ROOTS = ("demands/attachments", "demands/thumbnails")


def max_files() -> int:
    return int(settings.JIANGQIAO_ATTACHMENT_MAX_FILES)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def may_add(actor: Any, demand: Demand) -> bool:
    user = _user(actor)
    return (
        user is not None
        and demand.status not in ENDED
        and Demand.objects.visible_to(user, "change").filter(pk=demand.pk).exists()
    )


def may_remove(actor: Any, attachment: DemandAttachment) -> bool:
    user = _user(actor)
    if user is None:
        return False
    if not DemandAttachment.objects.visible_to(user, "change").filter(pk=attachment.pk).exists():
        return False
    return user.has_perm("demands.triage_demand") or attachment.created_by_id == user.pk


@dataclass(frozen=True)
class Prepared:
    """A checked upload, not yet stored."""

    name: str
    kind: str
    ext: str
    data: bytes
    thumbnail: bytes
    sha256: str
    verdict: scanning.Verdict


def _refused(actor: Any, message: str, *, name: str, extra: dict[str, Any]) -> BusinessError:
    """Write the refusal to the operation log now (it survives the caller's rollback)."""
    with transaction.atomic():
        record_operation(
            actor=_user(actor),
            module=MODULE,
            business_type=BusinessType.INSERT,
            action=f"拒绝上传附件“{name}”",
            status=OperationStatus.FAIL,
            error=message,
            extra=extra,
        )
    return BusinessError(message, field=FIELD)


def attachment_prepare(*, actor: Any, upload: Any) -> Prepared:
    """Read and check one uploaded file (size, content type, photo, virus scan); no row written."""
    if upload is None:
        raise BusinessError(f"{LABEL}：请选择文件", field=FIELD)
    limit = upload_limit("attachment")
    check_size(int(getattr(upload, "size", 0) or 0), "attachment", field=FIELD)
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise BusinessError(too_large_message(LABEL, len(data), limit), field=FIELD)
    if not data:
        raise BusinessError(f"{LABEL}：文件是空的", field=FIELD)
    name = files.safe_name(getattr(upload, "name", ""))
    kind, ext = files.sniff(data, name, allowed=ATTACHMENT_KINDS, label=LABEL, field=FIELD)
    digest = hashlib.sha256(data).hexdigest()
    try:
        verdict = scanning.get_scanner().scan(data, name)
    except scanning.ScannerUnavailable as exc:
        logger.warning("病毒扫描不可用，附件未保存：%s", exc)
        raise _refused(
            actor,
            f"{LABEL}：病毒扫描服务暂时不可用，文件未保存，请稍后再试",
            name=name,
            extra={"sha256": digest, "scanner_error": str(exc)[:200]},
        ) from None
    if verdict.infected:
        raise _refused(
            actor,
            f"{LABEL}：文件“{name[:60]}”检测出病毒（{verdict.signature or '未知'}），已拒绝上传",
            name=name,
            extra={"sha256": digest, "signature": verdict.signature, "engine": verdict.engine},
        )
    thumbnail = b""
    if files.FILE_TYPES[kind].photo:
        photo = files.clean_photo(data, kind, label=LABEL, field=FIELD)
        data, thumbnail = photo.data, photo.thumbnail
    return Prepared(name, kind, ext, data, thumbnail, digest, verdict)


def _check_may_add(actor: Any, demand: Demand) -> None:
    if not Demand.objects.visible_to(_user(actor), "change").filter(pk=demand.pk).exists():
        raise PermissionDenied("您没有为该需求上传附件的权限")
    if demand.status in ENDED:
        raise BusinessError(
            f"{LABEL}：需求{demand.get_status_display()}，不能再上传附件", field=FIELD
        )


@transaction.atomic
def attachment_store(*, actor: Any, demand: Demand, prepared: Prepared) -> DemandAttachment:
    """Store a prepared file on ``demand`` (within the count limit) and write the audit rows."""
    current = Demand.objects.select_for_update().get(pk=demand.pk)
    _check_may_add(actor, current)
    limit = max_files()
    if DemandAttachment.objects.filter(demand=current).count() >= limit:
        raise BusinessError(f"{LABEL}：每条需求最多 {limit} 个文件", field=FIELD)
    user = _user(actor)
    row = DemandAttachment(
        demand=current,
        name=prepared.name,
        kind=prepared.kind,
        size=len(prepared.data),
        sha256=prepared.sha256,
        scan_status=(
            ScanStatus.CLEAN if prepared.verdict.status == scanning.CLEAN else ScanStatus.UNSCANNED
        ),
        scan_engine=prepared.verdict.engine[:50],
        created_by=user,
        updated_by=user,
    )
    # Files first, then the row. A failure here removes them at once; a transaction rolled back
    # later by the caller leaves unreferenced files no view can reach, which the daily
    # ``attachment_sweep`` deletes.
    stem = uuid.uuid4().hex
    row.file.save(f"{stem}{prepared.ext}", ContentFile(prepared.data), save=False)
    if prepared.thumbnail:
        row.thumbnail.save(f"{stem}.jpg", ContentFile(prepared.thumbnail), save=False)
    try:
        with transaction.atomic():
            row.save()
    except Exception:
        storage = row.file.storage
        for path in (str(row.file.name), str(row.thumbnail.name or "")):
            if path:
                storage.delete(path)
        raise
    scanned = scanning.STATUS_LABELS[prepared.verdict.status]
    record_operation(
        actor=user,
        module=MODULE,
        business_type=BusinessType.INSERT,
        action=f"上传附件“{row.name}”（{scanned}）：{current}",
        target=current,
        extra={"attachment": row.pk, "sha256": row.sha256, "scan": prepared.verdict.status},
    )
    return row


def attachment_add(*, actor: Any, demand: Demand, upload: Any) -> DemandAttachment:
    """Check and store one file on an existing demand (the rights are checked before reading)."""
    _check_may_add(actor, demand)
    prepared = attachment_prepare(actor=actor, upload=upload)
    return attachment_store(actor=actor, demand=demand, prepared=prepared)


@transaction.atomic
def attachment_delete(*, actor: Any, attachment: DemandAttachment) -> None:
    """Remove a file (its row, then its files once the transaction commits)."""
    row = DemandAttachment.objects.select_related("demand").filter(pk=attachment.pk).first()
    if row is None or not may_remove(actor, row):
        raise PermissionDenied("只有可修改该需求的工作人员或上传人本人可以删除附件")
    demand, name = row.demand, row.name
    row.delete()
    record_operation(
        actor=_user(actor),
        module=MODULE,
        business_type=BusinessType.DELETE,
        action=f"删除附件“{name}”：{demand}",
        target=demand,
    )


def on_attachment_deleted(sender: Any, instance: DemandAttachment, **kwargs: Any) -> None:
    """A deleted row (by the service, the retention purge or with its demand) takes its files."""
    storage = instance.file.storage
    files.delete_later(storage, str(instance.file.name or ""), str(instance.thumbnail.name or ""))


# ----------------------------------------------------------------------------------------------
# Retention and orphans
# ----------------------------------------------------------------------------------------------


def purge_ended(cutoff: dt.datetime, *, dry_run: bool, batch: int) -> int:
    """Attachments of demands that ended (closed, withdrawn, cancelled) before ``cutoff``."""
    from jiangqiao.core import retention

    ids = list(
        DemandAttachment.objects.filter(
            demand__status__in=ENDED, demand__status_changed_at__lt=cutoff
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not dry_run:
        for chunk in retention.in_batches(ids, batch):
            with transaction.atomic():
                for row in DemandAttachment.objects.filter(pk__in=chunk):
                    row.delete()
    return len(ids)


def attachment_sweep(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete attachment and thumbnail files no row names; returns how many."""

    def known(paths: list[str]) -> set[str]:
        rows = DemandAttachment.objects.filter(file__in=paths).values_list("file", flat=True)
        thumbs = DemandAttachment.objects.filter(thumbnail__in=paths).values_list(
            "thumbnail", flat=True
        )
        return set(rows) | set(thumbs)

    return files.sweep_orphans(
        storage=DemandAttachment._meta.get_field("file").storage,  # type: ignore[attr-defined]
        roots=ROOTS,
        known=known,
        older_than=older_than,
        label="需求附件文件",
    )


def register() -> None:
    """Called by ``DemandsConfig.ready``: the file clean-up, the retention rule, the sweep."""
    from django.db.models.signals import post_delete

    from jiangqiao.core import periodic, retention

    post_delete.connect(
        on_attachment_deleted, sender=DemandAttachment, dispatch_uid="demands.attachment_files"
    )
    retention.register(
        retention.RetentionRule(
            code="demand_attachments",
            label="需求附件（照片、图纸、PDF）",
            days=KEEP_DAYS,
            action="删除附件文件、缩略图和附件记录（需求本身保留）",
            basis="需求办结、撤回或取消后三年内可能复核服务；此后附件不再需要",
            purge=purge_ended,
        )
    )
    periodic.register(
        "demand_attachment_sweep",
        attachment_sweep,
        every=24 * 3600,
        label="清理未被引用的需求附件文件",
    )
