"""Writes of the import workflow: upload → check (preview) → merge choices → commit.

Small files are checked and committed while the user waits; files above
``JIANGQIAO_IMPORT_INLINE_MAX_ROWS`` rows (estimated from the file size) run as background jobs with
live progress and cancel (``core.jobs``). A commit is one database transaction: a failure, a cancel
or a killed worker leaves the database as it was, and the batch can simply be committed again.

Except on SQLite, which has one write lock for the whole database (issue 12, item 7): a
one-transaction commit held it from the first row checked to the last row written, tens of
seconds for 20,000 rows, and other users' writes timed out. There the file is checked first
without any write, then written in short transactions (``_commit_short``):

* "valid rows" mode: transactions of ``JIANGQIAO_IMPORT_COMMIT_BATCH_ROWS`` records
  (``engine.commit_in_batches``). A failure or a killed worker keeps the transactions already
  committed (good rows, each scope-checked before its commit); committing the file again finds
  them by their keys and writes the rest. A cancel is honoured until the writing starts.
* all-or-nothing mode: still one transaction, but for the writing alone; a failure leaves nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiangqiao.core.choices import BusinessType, ImportMode, ImportStatus, JobStatus, MergePolicy
from jiangqiao.core.crypto import decrypt_bytes, encrypt_bytes
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.jobs import job_kind, job_start
from jiangqiao.core.models import ImportBatch, Job
from jiangqiao.core.operations import record_operation
from jiangqiao.core.probes import Hits, guard

from . import engine
from .registry import IMPORTERS, check_importer, importer_class

logger = logging.getLogger(__name__)
MODULE = "数据导入"
CHECK_JOB = "import_check"
COMMIT_JOB = "import_commit"


def inline_max_bytes() -> int:
    """Files up to this size are handled in the request (about a few hundred rows)."""
    return int(getattr(settings, "JIANGQIAO_IMPORT_INLINE_MAX_BYTES", 64 * 1024))


def import_upload(
    *, actor: Any, spec_key: str, file_name: str, data: bytes, source_label: str = ""
) -> ImportBatch:
    """Store an uploaded file (encrypted) as a new batch; nothing is interpreted yet."""
    importer = check_importer(actor, spec_key)
    importer(user=actor).check_permissions()
    check_upload_size(len(data))
    if actor.org_id is None:
        raise BusinessError("您的账号未分配组织，不能导入数据")
    name = (file_name or "upload")[-255:]
    source = (source_label or "").strip()[:100] or name.rsplit(".", 1)[0][:100]
    return ImportBatch.objects.create(
        spec=spec_key,
        file_name=name,
        file_sha256=engine.sha256(data),
        file_size=len(data),
        file_data=encrypt_bytes(data),
        source_label=source,
        org_id=actor.org_id,
        created_by=actor,
        updated_by=actor,
    )


def check_upload_size(size: int) -> None:
    """Refuse an empty or oversized upload (called before the upload is read into memory)."""
    from jiangqiao.core.uploads import too_large_message, upload_limit

    max_bytes = upload_limit("import")
    if not size:
        raise BusinessError("文件是空的（0 字节），请重新选择文件", field="file")
    if size > max_bytes:
        raise BusinessError(
            too_large_message("导入文件", size, max_bytes) + "，请拆分后分批导入", field="file"
        )


def batch_file(batch: ImportBatch) -> bytes:
    return decrypt_bytes(bytes(batch.file_data))


def previous_import(batch: ImportBatch) -> ImportBatch | None:
    """An earlier committed import of the very same file (shown as a warning)."""
    return (
        ImportBatch.objects.filter(
            spec=batch.spec, file_sha256=batch.file_sha256, status=ImportStatus.COMMITTED
        )
        .exclude(pk=batch.pk)
        .order_by("-committed_at")
        .first()
    )


def _importer(batch: ImportBatch, user: Any) -> engine.Importer:
    cls = importer_class(batch.spec)
    return cls(user=user, source_label=batch.source_label, batch=batch)


def _store_analysis(
    batch: ImportBatch, importer: engine.Importer, analysis: engine.Analysis
) -> None:
    result = {
        "counts": analysis.counts,
        "messages": analysis.messages(),
        "message_total": sum(len(v) for v in analysis.row_errors.values())
        + len(analysis.file_errors),
        "file_errors": analysis.file_errors,
        "error_rows": len(analysis.row_errors),
        "warnings": analysis.warning_messages(200),
        "warning_total": sum(len(v) for v in analysis.row_warnings.values()),
        "ignored_headers": analysis.ignored_headers[:50],
        "columns": [c.label for c in analysis.columns.values()],
        "header_row": analysis.header_row,
        "sheet": analysis.table.sheet if analysis.table else "",
        "encoding": analysis.table.encoding if analysis.table else "",
        "conflicts": engine.conflict_report(importer, analysis),
        "conflict_total": sum(1 for g in analysis.groups if g.conflicts),
        "checked_at": timezone.now().isoformat(),
    }
    workbook = engine.error_workbook(analysis)
    batch.result = result
    batch.error_workbook = encrypt_bytes(workbook) if workbook else None
    batch.status = ImportStatus.REJECTED if analysis.file_errors else ImportStatus.CHECKED


def _analyse(
    batch: ImportBatch, actor: Any, progress: Any, hits: Hits, *, write: str = ""
) -> tuple[engine.Importer, engine.Analysis]:
    """Read and check the batch's file with its merge choices; store the result on the batch.
    ``write``: the commit mode, to write new records while checking (see ``engine.analyse``).

    Rows matching other units' records are collected in ``hits`` and counted against the user's
    limit (``core.probes``) before anything is stored: over it, ``ProbeLimited`` and no result."""
    importer = _importer(batch, actor)
    importer.check_permissions()
    guard(actor)  # over the limit: refused whatever the file holds
    analysis = engine.analyse(
        importer,
        batch_file(batch),
        batch.file_name,
        decisions=batch.decisions,
        policy=batch.policy,
        progress=progress,
        write=write,
    )
    hits.update(analysis.foreign)
    hits.charge(actor)
    _store_analysis(batch, importer, analysis)
    return importer, analysis


def _log_hits(actor: Any, batch: ImportBatch, hits: Hits, verb: str) -> None:
    """The one sensitive-read row of a check or commit that matched other units' records
    (written outside the import's transaction, so a refused commit keeps it)."""
    importer = importer_class(batch.spec)
    hits.log(
        actor,
        module=MODULE,
        what=f"{verb}{importer.spec.title}“{batch.file_name}”",
        noun=importer.foreign_noun,
        target=batch,
    )


def import_check(*, actor: Any, batch: ImportBatch, progress: Any = engine._noop) -> ImportBatch:
    """Read and check the whole file; store counts, messages and the error workbook."""
    hits = Hits()
    try:
        with engine.gc_paused():
            _analyse(batch, actor, progress, hits)
    finally:
        _log_hits(actor, batch, hits, "检查导入的")
    batch.save(update_fields=["result", "error_workbook", "status", "updated_at"])
    return batch


def import_set_options(
    *,
    actor: Any,
    batch: ImportBatch,
    policy: str | None = None,
    mode: str | None = None,
    decisions: dict[str, dict[str, str]] | None = None,
) -> ImportBatch:
    """Choose the merge policy, the commit mode and field-by-field merge choices."""
    _check_open(batch)
    if policy is not None:
        if policy not in MergePolicy.values:
            raise BusinessError("重复数据合并规则不正确", field="policy")
        batch.policy = policy
    if mode is not None:
        if mode not in ImportMode.values:
            raise BusinessError("提交方式不正确", field="mode")
        batch.mode = mode
    if decisions is not None:
        merged = dict(batch.decisions or {})
        for key, fields in decisions.items():
            if not isinstance(fields, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
            ):
                raise BusinessError("合并选择格式不正确", field="decisions")
            merged[str(key)[:300]] = {k[:50]: v[:20] for k, v in fields.items()}
        batch.decisions = merged
    batch.updated_by = actor
    batch.save(update_fields=["policy", "mode", "decisions", "updated_by", "updated_at"])
    return batch


def interrupted(batch: ImportBatch) -> bool:
    """The batch's job died with its worker (killed process, lost server): its transaction was
    rolled back, so the batch can be checked or committed again."""
    job = batch.job
    return bool(
        batch.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING)
        and job is not None
        and (
            job.is_stale
            or job.status in (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)
        )
    )


def _check_open(batch: ImportBatch) -> None:
    if batch.status == ImportStatus.COMMITTED:
        raise BusinessError("该批次已导入，不能再修改")
    if batch.status in (ImportStatus.COMMITTING, ImportStatus.CHECKING) and not interrupted(batch):
        raise BusinessError("该批次正在后台处理，请等待完成或先取消后台任务")


def import_commit(*, actor: Any, batch: ImportBatch, progress: Any = engine._noop) -> ImportBatch:
    """Check the file again (data may have changed since the preview) and write it at once."""
    _check_open(batch)
    if batch.status == ImportStatus.REJECTED:
        raise BusinessError("文件无法导入，请修改后重新上传")
    started = timezone.now()
    hits = Hits()
    if commit_batch_rows() > 0:
        try:
            return _commit_short(actor, batch, progress, started, hits)
        finally:
            _log_hits(actor, batch, hits, "导入")
    try:
        with engine.gc_paused(), transaction.atomic():
            # New records are written while the rest of the file is checked; the rest after.
            importer, analysis = _analyse(batch, actor, progress, hits, write=batch.mode)
            if analysis.file_errors or (batch.mode == ImportMode.ALL and analysis.row_errors):
                raise _Refused(importer, analysis)  # rolls back what was written
            counts = engine.commit(importer, analysis, mode=batch.mode, progress=progress)
            _mark_committed(batch, actor, importer, analysis, counts, started)
    except _Refused as refused:
        # Refused as a whole: keep the fresh messages and the error workbook, write nothing.
        batch.save(update_fields=["result", "error_workbook", "status", "updated_at"])
        engine.commit(refused.importer, refused.analysis, mode=batch.mode)  # raises the reason
    finally:
        _log_hits(actor, batch, hits, "导入")
    return batch


def commit_batch_rows() -> int:
    """Records per transaction of a "valid rows" commit; 0: one transaction (PostgreSQL, where
    a long transaction does not stop other writers)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return 0
    return max(0, int(getattr(settings, "JIANGQIAO_IMPORT_COMMIT_BATCH_ROWS", 500)))


def _commit_short(
    actor: Any, batch: ImportBatch, progress: Any, started: Any, hits: Hits
) -> ImportBatch:
    """SQLite: check without writing (no write lock), then write in short transactions."""
    from jiangqiao.core.jobs import JobCancelled

    with engine.gc_paused():
        importer, analysis = _analyse(batch, actor, progress, hits)
        if analysis.file_errors or (batch.mode == ImportMode.ALL and analysis.row_errors):
            batch.save(update_fields=["result", "error_workbook", "status", "updated_at"])
            engine.commit(importer, analysis, mode=batch.mode)  # raises the reason
        if batch.mode == ImportMode.ALL:
            with transaction.atomic():
                counts = engine.commit(importer, analysis, mode=batch.mode, progress=progress)
                _mark_committed(batch, actor, importer, analysis, counts, started)
            return batch

        def writing(done: int, total: int | None = None, message: str = "") -> None:
            # Past the first transaction a cancel would leave part of the file written: the
            # writing goes on to the end (the batch is then committed, as it says).
            try:
                progress(done, total, message)
            except JobCancelled:
                logger.info("import batch %s: cancel ignored while writing", batch.pk)

        counts = engine.commit_in_batches(
            importer,
            analysis,
            rows=commit_batch_rows(),
            pause=float(getattr(settings, "JIANGQIAO_IMPORT_COMMIT_PAUSE", 0.05)),
            progress=writing,
        )
        with transaction.atomic():
            _mark_committed(batch, actor, importer, analysis, counts, started)
    return batch


class _Refused(Exception):
    def __init__(self, importer: engine.Importer, analysis: engine.Analysis) -> None:
        super().__init__("refused")
        self.importer = importer
        self.analysis = analysis


def _mark_committed(
    batch: ImportBatch,
    actor: Any,
    importer: engine.Importer,
    analysis: engine.Analysis,
    counts: dict[str, int],
    started: Any,
) -> None:
    """Mark the batch committed, in the transaction of the rows it wrote, with its counts."""
    if importer.failed:
        _store_analysis(batch, importer, analysis)  # rows refused while writing
    # The batch is marked committed in the same transaction as the rows it wrote.
    batch.status = ImportStatus.COMMITTED
    batch.committed_at = timezone.now()
    batch.result = {**batch.result, "committed_counts": counts}
    batch.updated_by = actor
    batch.save(
        update_fields=[
            "result",
            "error_workbook",
            "status",
            "committed_at",
            "updated_by",
            "updated_at",
        ]
    )
    record_operation(
        actor=actor,
        module=MODULE,
        business_type=BusinessType.IMPORT,
        action=f"导入{importer.spec.title}“{batch.file_name}”",
        target=batch,
        extra={
            "counts": counts,
            "source": batch.source_label,
            "sha256": batch.file_sha256,
            "seconds": round((timezone.now() - started).total_seconds(), 1),
        },
    )


def error_workbook_bytes(batch: ImportBatch) -> bytes | None:
    if not batch.error_workbook:
        return None
    return decrypt_bytes(bytes(batch.error_workbook))


def needs_job(batch: ImportBatch) -> bool:
    return batch.file_size > inline_max_bytes()


def start_job(*, actor: Any, batch: ImportBatch, commit: bool) -> Job:
    """Run the check or the commit in the background."""
    _check_open(batch)
    kind = COMMIT_JOB if commit else CHECK_JOB
    verb = "导入" if commit else "检查"
    job = job_start(
        actor=actor,
        kind=kind,
        params={"batch": batch.pk},
        title=f"{verb}{importer_class(batch.spec).spec.title}：{batch.file_name}"[:200],
    )
    batch.job = job
    batch.status = ImportStatus.COMMITTING if commit else ImportStatus.CHECKING
    batch.save(update_fields=["job", "status", "updated_at"])
    return job


def _batch_for_job(job: Job) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=job.params.get("batch")).first()
    if batch is None:
        raise BusinessError("导入批次不存在")
    return batch


def _restore_status(batch: ImportBatch) -> None:
    status = ImportStatus.CHECKED if batch.result else ImportStatus.UPLOADED
    ImportBatch.objects.filter(pk=batch.pk).exclude(status=ImportStatus.COMMITTED).update(
        status=status
    )


@job_kind(CHECK_JOB, title="检查导入文件")
def _check_job(job: Job, progress: Any) -> dict[str, Any]:
    batch = _batch_for_job(job)
    try:
        import_check(actor=job.created_by, batch=batch, progress=progress)
    except BaseException:
        _restore_status(batch)
        raise
    return {"batch": batch.pk, "counts": batch.counts, "url": batch.get_absolute_url()}


@job_kind(COMMIT_JOB, title="导入数据")
def _commit_job(job: Job, progress: Any) -> dict[str, Any]:
    batch = _batch_for_job(job)
    batch.status = ImportStatus.CHECKED
    try:
        import_commit(actor=job.created_by, batch=batch, progress=progress)
    except BaseException:
        _restore_status(batch)
        raise
    return {"batch": batch.pk, "counts": batch.counts, "url": batch.get_absolute_url()}


# ------------------------------------------------------------------------------------------------
# Header aliases (configurable: other cities' sheets load without editing)
# ------------------------------------------------------------------------------------------------


def _check_alias(spec_key: str, column: str, alias: str, *, exclude_pk: Any = None) -> str:
    from jiangqiao.core.models import ImportAlias

    from .spec import header_key, header_map

    if spec_key not in IMPORTERS:
        raise BusinessError("导入类型不存在", field="column")
    spec = IMPORTERS[spec_key].spec
    if column not in {c.name for c in spec.columns}:
        raise BusinessError("字段不属于该导入类型", field="column")
    alias = (alias or "").strip()
    if not alias:
        raise BusinessError("表头别名：不能为空", field="alias")
    if len(alias) > 50:
        raise BusinessError("表头别名：最多 50 个字", field="alias")
    if not header_key(alias):
        raise BusinessError("表头别名：至少包含一个汉字、字母或数字", field="alias")
    known = header_map(spec).get(header_key(alias))
    if known is not None and known.name != column:
        raise BusinessError(
            f"表头别名：“{alias}”已对应【{known.label}】，不能再对应另一个字段", field="alias"
        )
    clash = ImportAlias.objects.filter(spec=spec_key).exclude(pk=exclude_pk)
    for other in clash:
        if header_key(other.alias) == header_key(alias):
            raise BusinessError(f"表头别名：“{alias}”已登记", field="alias")
    return alias


@transaction.atomic
def alias_create(*, actor: Any, spec_key: str, column: str, alias: str) -> Any:
    from jiangqiao.core.models import ImportAlias

    alias = _check_alias(spec_key, column, alias)
    row = ImportAlias(spec=spec_key, column=column, alias=alias, created_by=actor, updated_by=actor)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def alias_update(*, actor: Any, row: Any, spec_key: str, column: str, alias: str) -> Any:
    row.alias = _check_alias(spec_key, column, alias, exclude_pk=row.pk)
    row.spec, row.column, row.updated_by = spec_key, column, actor
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def alias_set_status(*, actor: Any, row: Any, status: str) -> Any:
    row.status = status
    row.updated_by = actor
    row.save(update_fields=["status", "updated_by", "updated_at"])
    return row
