"""Plain multi-row INSERTs for bulk paths (spreadsheet imports), without building model instances.

``bulk_create`` builds a model instance per row and runs Django's SQL compiler per value; for the
100,000-row imports that overhead dominated the write (about 3 ms a row). ``insert_rows`` takes
dicts keyed by field name, fills the defaults once, converts only the values whose type needs it
(JSON, dates and times, decimals, encrypted text — through the field's own ``get_db_prep_save``,
so the stored form is exactly Django's) and sends batches with ``executemany``. No signals run and
no ids come back: use it for rows nothing refers to (index rows, children, log rows).
"""

from __future__ import annotations

import contextvars
import json
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.utils import timezone

_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.FloatField,
)


def _needs_prep(field: models.Field[Any, Any]) -> bool:
    from jiangqiao.core.crypto import EncryptedTextField

    if isinstance(field, EncryptedTextField):
        return True
    if isinstance(field, models.ForeignKey):
        return False
    return not isinstance(field, _PLAIN) or isinstance(field, models.JSONField)


def _prep_function(field: models.Field[Any, Any]) -> Any:
    """The value a field stores, as the driver takes it. JSON goes as its text: Django's own
    path wraps each value for the driver, which serialises it later (twice the work for the
    100,000 rows of an import, and on PostgreSQL in the COPY thread, under the same GIL).
    The text is Django's (``json.dumps`` with the field's encoder); PostgreSQL parses it into
    ``jsonb``, where the escaping of non-ASCII characters makes no difference."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        ascii_only = connection.vendor != "postgresql"

        def dump(value: Any) -> str:
            return json.dumps(value, cls=encoder, ensure_ascii=ascii_only)

        return dump
    return lambda value: field.get_db_prep_save(value, connection)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``, taken inside the current transaction.

    PostgreSQL hands them out from the table's sequence (concurrent writers get other numbers);
    SQLite has a single writer per database (``BEGIN IMMEDIATE``), so the next numbers after the
    largest key in use — or ever used, for ``AUTOINCREMENT`` tables — are ours until we commit.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids needs a transaction on SQLite")
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(str(pk.column))}), 0) FROM {quote(table)}")  # noqa: S608
        top = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, int(row[0]) if row else 0)
        return list(range(top + 1, top + 1 + count))


def insert_rows(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    batch_size: int = 2000,
    with_pk: bool = False,
) -> int:
    """INSERT ``rows`` (dicts of field name → value; missing fields take their defaults).

    ``with_pk=True``: the rows carry their primary keys (from :func:`reserve_ids`)."""
    if not rows:
        return 0
    now = timezone.now()
    fields = [
        f
        for f in model._meta.concrete_fields
        if with_pk or not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]
    plan = []
    for field in fields:
        default: Any
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = now
        elif field.has_default():
            default = field.get_default()
        elif field.null:
            default = None
        else:
            default = ""
        key = field.name if field.name in rows[0] else field.attname
        prep = _prep_function(field) if _needs_prep(field) else None
        # The default is the same for every row: prepare it once.
        prepared = prep(default) if prep and default is not None else default
        auto = bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        plan.append((key, prepared, prep, auto, field.is_relation))
    values: list[tuple[Any, ...]] = []
    missing = object()
    for row in rows:
        out = []
        for key, prepared_default, prep, auto, relation in plan:
            value = row.get(key, missing)
            if value is missing or (auto and value is None):
                out.append(prepared_default)
                continue
            if relation and isinstance(value, models.Model):
                value = value.pk
            if prep is not None and value is not None:
                value = prep(value)
            out.append(value)
        values.append(tuple(out))
    return _send(model, fields, values)


def insert_tuples(
    model: type[models.Model], names: Sequence[str], values: list[tuple[Any, ...]]
) -> int:
    """INSERT rows given as tuples of the named fields' stored values (plain values, foreign keys
    as ids; no defaults filled in, nothing converted): the cheapest path, for index rows."""
    if not values:
        return 0
    by_name = {field.name: field for field in model._meta.concrete_fields}
    fields = [by_name[name] for name in names]
    for field in fields:
        if _needs_prep(field):  # pragma: no cover - a programming error
            raise ValueError(f"{field.name} needs converting; use insert_rows")
    return _send(model, fields, values)


def _send(model: type[models.Model], fields: list[Any], values: list[tuple[Any, ...]]) -> int:
    """COPY (PostgreSQL; through the writer thread inside ``pipelined``) or multi-row INSERTs."""
    quote = connection.ops.quote_name
    # Many rows per statement (one round trip each, not one per row): within both databases'
    # parameter limits (PostgreSQL 65,535; SQLite 32,766).
    per_statement = max(1, min(500, 30_000 // len(fields)))
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Table and column names come from the model definition, never from input.
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
    )
    if connection.vendor == "postgresql":
        writer = _writer.get()
        if writer is not None:
            writer.put(model, fields, values)
        else:
            _copy(model, fields, values)
        return len(values)
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            params = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([row_sql] * len(chunk)), params)
    return len(values)


def _copy_statement(model: type[models.Model], fields: list[Any]) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    return f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"


def _copy(model: type[models.Model], fields: list[Any], values: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: ``COPY … FROM STDIN`` (psycopg formats the rows in C; about four times
    faster than multi-row INSERTs for the 100,000-row import)."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(_copy_statement(model, fields)) as copy:
            for row in values:
                copy.write_row(row)


class _Writer:
    """A thread that COPYs batches on the same PostgreSQL connection (and transaction) while the
    calling thread prepares the next batch: the database works on one core, Python on the other.
    psycopg connections are thread-safe (operations are serialised by the connection's lock)."""

    def __init__(self) -> None:
        self.raw = connection.connection  # the psycopg connection of the current transaction
        self.queue: queue.Queue[tuple[str, list[tuple[Any, ...]]] | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bulk-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue  # drain after a failure; the caller re-raises it
            statement, values = item
            try:
                with self.raw.cursor() as cursor, cursor.copy(statement) as copy:
                    for row in values:
                        copy.write_row(row)
            except BaseException as exc:
                self.error = exc

    def put(
        self, model: type[models.Model], fields: list[Any], values: list[tuple[Any, ...]]
    ) -> None:
        self._raise()
        self.queue.put((_copy_statement(model, fields), values))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        """Re-raise the writer's error as Django's (``IntegrityError`` and so on), as the same
        statement run through the ORM would have raised it."""
        if self.error is not None:
            with connection.wrap_database_errors:
                raise self.error


_writer: contextvars.ContextVar[_Writer | None] = contextvars.ContextVar(
    "bulk_writer", default=None
)


@contextmanager
def pipelined() -> Iterator[None]:
    """Inside a transaction on PostgreSQL, ``insert_rows`` hands its rows to a writer thread
    and returns at once; leaving the block waits for every row to be written (and re-raises a
    database error). Elsewhere a no-op."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    # Foreign keys are checked at the end of each COPY rather than all at the commit: the same
    # work, but done by the database while Python prepares the next batch (deferred, the checks
    # of a 100,000-row import held the commit for 13 s). Written in order, parents before
    # children, the rows need no deferral.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    writer = _Writer()
    token = _writer.set(writer)
    try:
        yield
    except BaseException:
        _writer.reset(token)
        writer.queue.put(None)
        writer.thread.join()
        raise
    _writer.reset(token)
    writer.close()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def analyze(models_: Iterable[type[models.Model]]) -> None:
    """Refresh the planner's statistics of the tables of ``models_`` after a bulk load (their
    many-to-many tables too). PostgreSQL plans a query on tables it believes empty as nested
    loops — a one-line join over a loaded year of sessions ran for minutes — and its autovacuum
    never sees rows of a transaction still open. ANALYZE runs inside a transaction (and counts
    the transaction's own rows); on SQLite it fills ``sqlite_stat1``."""
    tables: list[str] = []
    for model in models_:
        tables.append(model._meta.db_table)
        tables.extend(
            f.remote_field.through._meta.db_table  # type: ignore[union-attr]
            for f in model._meta.local_many_to_many
        )
    with connection.cursor() as cursor:
        for table in dict.fromkeys(tables):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
