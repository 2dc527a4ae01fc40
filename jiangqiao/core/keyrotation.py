"""Re-encrypt everything stored under the field key with the primary key (``manage.py rotate_field_key``).

Three kinds of ciphertext are rewritten:

* every ``EncryptedTextField`` value (ID numbers, mobiles, tokens, the TOTP secrets);
* every ``EncryptedFileField`` value: files kept in the database (uploaded import workbooks, their
  error workbooks, PIPL access copies), read a few rows at a time because each can be megabytes;
* every stored export file under ``EXPORT_DIR`` (list exports, 上报统计表), which job results name:
  a file is replaced whole (written beside it, then renamed over it), so its name stays valid;
* every private file under ``JIANGQIAO_PRIVATE_ROOT`` (``core.files.PrivateStorage``: demand
  attachments and their thumbnails, service-session evidence), replaced in place the same way; a
  file still in clear (written before private files were encrypted) is encrypted on the way.

Rows are read in primary-key batches, each batch in its own transaction and locked with
``SELECT ... FOR UPDATE`` where the database supports it; a value is rewritten only if it is still the
ciphertext that was read (``UPDATE ... WHERE pk = %s AND column = old``), so a concurrent save is never
overwritten — it was encrypted under the primary key already. Progress needs no bookkeeping: a value
or file that opens with the primary key is left alone, so an interrupted run is simply started again,
and a run that rewrites nothing and finds nothing unreadable is the proof that the old key can go.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections, models, transaction

from jiangqiao.core import crypto

#: Rows read per transaction by default.
DEFAULT_BATCH = 500
#: Rows per transaction for file columns (each value is a whole workbook or copy).
FILE_BATCH = 20
#: Unreadable values named one by one in a report.
MAX_NAMED = 200
#: Where the stored export files are named in a report of unreadable values.
STORED_FILES = "导出文件"
#: Where the private files (attachments, evidence) are named in a report.
PRIVATE_FILES = "私有文件"

Decrypt = Callable[[Any], tuple[Any, int]]
Encrypt = Callable[[Any], Any]


@dataclass
class Tally:
    values: int = 0
    rewritten: int = 0
    already_primary: int = 0
    changed_meanwhile: int = 0


@dataclass
class RotationReport:
    rows: int = 0
    fields: Tally = field(default_factory=Tally)
    files: Tally = field(default_factory=Tally)
    private: Tally = field(default_factory=Tally)
    #: Private files found in clear and encrypted (counted in ``private.rewritten`` too).
    private_clear: int = 0
    unreadable: list[tuple[str, object, str]] = field(default_factory=list)
    unreadable_count: int = 0

    def refuse(self, label: str, key: object, name: str) -> None:
        self.unreadable_count += 1
        if len(self.unreadable) < MAX_NAMED:
            self.unreadable.append((label, key, name))


def _columns(kind: type[models.Field]) -> Iterator[tuple[type[models.Model], list[Any]]]:
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = [f for f in meta.local_concrete_fields if isinstance(f, kind)]
        if fields:
            yield model, fields


def encrypted_columns() -> Iterator[tuple[type[models.Model], list[crypto.EncryptedTextField]]]:
    """Every concrete model with its ``EncryptedTextField`` columns."""
    yield from _columns(crypto.EncryptedTextField)


def encrypted_file_columns() -> Iterator[
    tuple[type[models.Model], list[crypto.EncryptedFileField]]
]:
    """Every concrete model with its ``EncryptedFileField`` columns."""
    yield from _columns(crypto.EncryptedFileField)


def _rotate_table(
    report: RotationReport,
    tally: Tally,
    model: type[models.Model],
    fields: list[Any],
    *,
    decrypt: Decrypt,
    encrypt: Encrypt,
    batch: int,
    using: str,
) -> tuple[int, int]:
    """Rewrite one table's columns; returns (rows read, values rewritten)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    label = model._meta.label
    table = quote(model._meta.db_table)
    pk = quote(str(model._meta.pk.column))
    columns = [quote(str(f.column)) for f in fields]
    last = None
    model_rows = model_rewritten = 0
    while True:
        where = f" WHERE {pk} > %s" if last is not None else ""
        select = (
            f"SELECT {pk}, {', '.join(columns)} FROM {table}{where} "  # noqa: S608 - model names
            f"ORDER BY {pk} LIMIT {int(batch)}{lock}"
        )
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(select, [last] if last is not None else [])
            rows = cursor.fetchall()
            for row in rows:
                for f, column, token in zip(fields, columns, row[1:], strict=True):
                    if not token:
                        continue
                    if isinstance(token, memoryview):
                        token = token.tobytes()
                    tally.values += 1
                    try:
                        plain, position = decrypt(token)
                    except (InvalidTag, ValueError):
                        report.refuse(label, row[0], f.name)
                        continue
                    if position == 0:
                        tally.already_primary += 1
                        continue
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s "  # noqa: S608 - model names
                        f"WHERE {pk} = %s AND {column} = %s",
                        [encrypt(plain), row[0], token],
                    )
                    if cursor.rowcount == 1:
                        tally.rewritten += 1
                        model_rewritten += 1
                    else:
                        tally.changed_meanwhile += 1
        if not rows:
            break
        model_rows += len(rows)
        last = rows[-1][0]
    return model_rows, model_rewritten


def _replace_file(name: str, blob: bytes) -> bool:
    """Put ``blob`` in place of the stored file ``name`` under the same name; False if it is gone."""
    if not isinstance(default_storage, FileSystemStorage):
        # A storage without local paths: the same name written again.
        if not default_storage.exists(name):
            return False
        default_storage.delete(name)
        default_storage.save(name, ContentFile(blob))
        return True
    return _replace_path(Path(default_storage.path(name)), blob)


def _replace_path(path: Path, blob: bytes) -> bool:
    """Write ``blob`` beside ``path`` and rename it over ``path``; False if ``path`` is gone."""
    if not path.exists():
        return False  # expired and cleaned up meanwhile
    spare = path.with_name(f".{path.name}.{os.getpid()}.rotating")
    spare.write_bytes(blob)
    os.chmod(spare, path.stat().st_mode & 0o777)
    os.replace(spare, path)
    return True


def _rewrite_file(
    report: RotationReport,
    tally: Tally,
    blob: bytes,
    *,
    label: str,
    name: str,
    replace: Callable[[bytes], bool],
    clear: bool = False,
) -> bool:
    """Re-encrypt one stored file under the primary key (``clear``: it is not encrypted yet, encrypt
    it); ``replace`` puts the new bytes in its place. True if it was rewritten."""
    tally.values += 1
    data = blob
    if not clear:
        try:
            data, position = crypto.decrypt_bytes_with_key_index(blob)
        except (InvalidTag, ValueError):
            report.refuse(label, name, "")
            return False
        if position == 0:
            tally.already_primary += 1
            return False
    if replace(crypto.encrypt_bytes(data)):
        tally.rewritten += 1
        return True
    tally.changed_meanwhile += 1
    return False


def _rotate_stored_files(report: RotationReport) -> tuple[int, int]:
    """Rewrite the stored export files; returns (files read, files rewritten)."""
    from jiangqiao.core.io.exporting import EXPORT_DIR

    try:
        _, names = default_storage.listdir(EXPORT_DIR)
    except (OSError, RuntimeError):  # no export yet, or a storage that cannot list
        return 0, 0
    seen = rewritten = 0
    for base in sorted(names):
        if not base.endswith(".enc"):
            continue
        name = f"{EXPORT_DIR}/{base}"
        try:
            with default_storage.open(name, "rb") as handle:
                blob = handle.read()
        except (FileNotFoundError, OSError):
            continue  # expired and cleaned up meanwhile
        seen += 1
        replace = partial(_replace_file, name)
        if _rewrite_file(
            report, report.files, blob, label=STORED_FILES, name=name, replace=replace
        ):
            rewritten += 1
    return seen, rewritten


def _rotate_private_files(report: RotationReport) -> tuple[int, int]:
    """Rewrite (or encrypt, if still in clear) every private file; returns (files read, rewritten).

    Read from disk directly (the storage would decrypt); dot files are a run's spare copies.
    """
    from jiangqiao.core.files import is_encrypted, private_storage

    root = Path(private_storage().location)
    seen = rewritten = 0
    paths = sorted(root.rglob("*")) if root.is_dir() else []
    for path in paths:
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            blob = path.read_bytes()
        except (FileNotFoundError, OSError):
            continue  # deleted meanwhile
        seen += 1
        clear = not is_encrypted(blob)
        name = path.relative_to(root).as_posix()
        replace = partial(_replace_path, path)
        if _rewrite_file(
            report,
            report.private,
            blob,
            label=PRIVATE_FILES,
            name=name,
            replace=replace,
            clear=clear,
        ):
            rewritten += 1
            report.private_clear += int(clear)
    return seen, rewritten


def rotate(
    *,
    batch: int = DEFAULT_BATCH,
    using: str = "default",
    progress: Callable[[str], None] | None = None,
) -> RotationReport:
    report = RotationReport()
    kinds = (
        (
            encrypted_columns(),
            report.fields,
            "值",
            batch,
            crypto.decrypt_with_key_index,
            crypto.encrypt,
        ),
        (
            encrypted_file_columns(),
            report.files,
            "文件",
            min(batch, FILE_BATCH),
            crypto.decrypt_bytes_with_key_index,
            crypto.encrypt_bytes,
        ),
    )
    for columns, tally, unit, rows_per_batch, decrypt, encrypt in kinds:
        for model, fields in columns:
            rows, rewritten = _rotate_table(
                report,
                tally,
                model,
                fields,
                decrypt=decrypt,
                encrypt=encrypt,
                batch=rows_per_batch,
                using=using,
            )
            report.rows += rows
            if progress:
                progress(f"{model._meta.label}：{rows} 行，重新加密 {rewritten} 个{unit}")
    seen, rewritten = _rotate_stored_files(report)
    if progress:
        progress(f"{STORED_FILES}：{seen} 个，重新加密 {rewritten} 个文件")
    seen, rewritten = _rotate_private_files(report)
    if progress:
        progress(f"{PRIVATE_FILES}：{seen} 个，重新加密 {rewritten} 个文件")
    return report
