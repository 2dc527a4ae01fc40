"""Re-encrypt every encrypted column under the primary field key (``manage.py rotate_field_key``).

Rows are read in primary-key batches, each batch in its own transaction and locked with
``SELECT ... FOR UPDATE`` where the database supports it; a value is rewritten only if it is still the
ciphertext that was read (``UPDATE ... WHERE pk = %s AND column = old``), so a concurrent save is never
overwritten — it was encrypted under the primary key already. Progress needs no bookkeeping: a value
that opens with the primary key is left alone, so an interrupted run is simply started again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import connections, models, transaction

from jiangqiao.core import crypto

#: Rows read per transaction by default.
DEFAULT_BATCH = 500
#: Unreadable values named one by one in a report.
MAX_NAMED = 200


@dataclass
class RotationReport:
    rows: int = 0
    values: int = 0
    rewritten: int = 0
    already_primary: int = 0
    changed_meanwhile: int = 0
    unreadable: list[tuple[str, object, str]] = field(default_factory=list)
    unreadable_count: int = 0


def encrypted_columns() -> Iterator[tuple[type[models.Model], list[crypto.EncryptedTextField]]]:
    """Every concrete model with its ``EncryptedTextField`` columns."""
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = [f for f in meta.local_concrete_fields if isinstance(f, crypto.EncryptedTextField)]
        if fields:
            yield model, fields


def rotate(
    *,
    batch: int = DEFAULT_BATCH,
    using: str = "default",
    progress: Callable[[str], None] | None = None,
) -> RotationReport:
    report = RotationReport()
    connection = connections[using]
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    for model, fields in encrypted_columns():
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
                        report.values += 1
                        try:
                            plain, position = crypto.decrypt_with_key_index(token)
                        except (InvalidTag, ValueError):
                            report.unreadable_count += 1
                            if len(report.unreadable) < MAX_NAMED:
                                report.unreadable.append((label, row[0], f.name))
                            continue
                        if position == 0:
                            report.already_primary += 1
                            continue
                        cursor.execute(
                            f"UPDATE {table} SET {column} = %s "  # noqa: S608 - model names
                            f"WHERE {pk} = %s AND {column} = %s",
                            [crypto.encrypt(plain), row[0], token],
                        )
                        if cursor.rowcount == 1:
                            report.rewritten += 1
                            model_rewritten += 1
                        else:
                            report.changed_meanwhile += 1
            if not rows:
                break
            model_rows += len(rows)
            report.rows += len(rows)
            last = rows[-1][0]
        if progress:
            progress(f"{label}：{model_rows} 行，重新加密 {model_rewritten} 个值")
    return report
