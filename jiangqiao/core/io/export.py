"""Exporting a list with its current filters to .xlsx or CSV, streamed, safe and audited.

* The rows are the list's own queryset: the data-scope chokepoint plus the list's filterset, so an
  export never contains a row the list would not show.
* Codes become labels; personal identifiers are masked unless the user holds the model's
  ``view_sensitive_*`` permission (and then the export is logged as a view of sensitive data).
* A text cell starting with ``= + - @`` (or tab / carriage return) gets a leading ``'`` so that
  Excel or WPS never evaluates it (CSV / formula injection).
* Rows are read with ``iterator(chunk_size=…)`` and written as they come: CSV is streamed to the
  browser; .xlsx is written by ``xlsx_stream`` (a lean one-sheet writer) into a temporary file. Lists
  longer than ``JIANGQIAO_EXPORT_INLINE_MAX`` rows are exported by a background job whose file is
  kept (encrypted) for download.

An app describes an export with an :class:`ExportSpec`: columns (label, value function, width,
sensitive kind) and an optional ``prepare`` hook that bulk-loads labels for a chunk of rows.
Lists without their own spec export the columns of their table (:func:`table_spec`).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def choice_labels(choices: Any) -> dict[str, str]:
    """``{value: label}`` of a ``TextChoices`` (a dict lookup per cell, not ``get_FOO_display``,
    which hashes and flattens the choices on every call)."""
    return {str(value): str(label) for value, label in choices.choices}


def neutralise(value: Any) -> Any:
    """Text starting with ``= + - @`` (or tab/CR) gets a leading quote; other values pass."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportColumn:
    label: str
    value: Callable[[Any, ExportContext], Any]
    width: int = 16
    #: ``"id_number"`` / ``"mobile"``: masked unless the user may see it.
    sensitive: str = ""


@dataclass
class ExportContext:
    user: Any
    reveal: bool = False
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self, scheme: str, code: str) -> str:
        if not code:
            return ""
        return self.labels.get(scheme, {}).get(code, code)

    def labels_of(self, scheme: str, codes: Iterable[str]) -> str:
        return "、".join(self.label(scheme, c) for c in codes or [])

    def load_labels(self, chunk: Iterable[Any], fields: dict[str, str]) -> None:
        """Look up, once per chunk, the labels of the codes in ``fields`` (attribute → scheme;
        an attribute may hold one code or a list of codes)."""
        from jiangqiao.taxonomy.selectors import term_labels

        for attr, scheme in fields.items():
            codes: set[str] = set()
            for obj in chunk:
                value = getattr(obj, attr)
                if isinstance(value, list):
                    codes.update(value)
                elif value:
                    codes.add(value)
            known = self.labels.setdefault(scheme, {})
            missing = [c for c in codes if c not in known]
            if missing:
                known.update(term_labels(scheme, missing))


@dataclass(frozen=True)
class ExportSpec:
    key: str
    title: str
    columns: tuple[ExportColumn, ...]
    #: Called with each chunk of objects before its rows are produced (bulk label lookups).
    prepare: Callable[[list[Any], ExportContext], None] | None = None
    #: The sensitive-data permission that unmasks ``sensitive`` columns.
    sensitive_permission: str = ""
    #: ``select_related``/``prefetch_related`` for the queryset.
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    #: Load only these fields (long unused columns such as search text stay in the database).
    only: tuple[str, ...] = ()


def inline_max() -> int:
    return int(getattr(settings, "JIANGQIAO_EXPORT_INLINE_MAX", 5000))


def file_name(title: str, fmt: str) -> str:
    return f"{title}_{timezone.localtime():%Y%m%d_%H%M}.{fmt}"


def context_for(spec: ExportSpec, user: Any) -> ExportContext:
    reveal = bool(spec.sensitive_permission and user.has_perm(spec.sensitive_permission))
    return ExportContext(user=user, reveal=reveal)


def rows(
    spec: ExportSpec,
    queryset: models.QuerySet[Any],
    ctx: ExportContext,
    *,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[Any]]:
    """Header row, then one list of cell values per object (labels, masking, neutralised)."""
    from jiangqiao.core.sensitive import mask

    yield [col.label for col in spec.columns]
    records = (
        plain_records(queryset, spec.only) if spec.only and not spec.prefetch_related else None
    )
    if records is None:
        qs = queryset
        if spec.select_related:
            qs = qs.select_related(*spec.select_related)
        if spec.prefetch_related:
            qs = qs.prefetch_related(*spec.prefetch_related)
        if spec.only:
            qs = qs.only(*spec.only)
        records = qs.iterator(chunk_size=CHUNK)
    count = 0
    chunk: list[Any] = []
    for obj in records:
        chunk.append(obj)
        if len(chunk) >= CHUNK:
            yield from _chunk_rows(spec, chunk, ctx, mask)
            count += len(chunk)
            chunk = []
            if progress:
                progress(count)
    if chunk:
        yield from _chunk_rows(spec, chunk, ctx, mask)
        count += len(chunk)
        if progress:
            progress(count)


def plain_records(queryset: models.QuerySet[Any], only: tuple[str, ...]) -> Iterator[Any] | None:
    """The rows of ``queryset`` as named tuples holding just the fields in ``only``, instead of
    model instances (None when ``only`` reaches further than one relation).

    ``rec.title``, ``rec.pk`` (and the primary key's own name), and for ``enterprise__name`` in
    ``only`` a nested ``rec.enterprise.name`` (``rec.enterprise`` is None when the relation is
    empty) read as they would on the model; values come through the fields' own converters
    (decrypted, JSON decoded, aware datetimes). Building three model instances per row (the
    object and two related) was the larger part of producing an export's rows (py-spy, 300,000
    demands: 37 % of the time, with ``pre_init``/``post_init`` signals sent for each); a
    column that needs anything else of the model fails loudly instead of loading it row by row.
    """
    from collections import namedtuple
    from operator import itemgetter

    model = queryset.model
    pk_name = model._meta.pk.attname if model._meta.pk else "id"
    own: list[str] = []
    related: dict[str, list[str]] = {}
    for name in only:
        head, sep, rest = name.partition("__")
        if not sep:
            if name not in ("pk", pk_name):
                own.append(name)
        elif "__" in rest:
            return None
        else:
            related.setdefault(head, []).append(rest)

    def record_class(name: str, fields: list[str], key: str) -> Any:
        base = namedtuple(f"{name}Base", ["pk", *fields])  # type: ignore[misc]
        extra = {} if key == "pk" else {key: property(itemgetter(0))}
        return type(name, (base,), {"__slots__": (), **extra})

    top = record_class(model.__name__, [*own, *related], pk_name)
    flat = ["pk", *own]
    spans: list[tuple[int, int, Any]] = []
    for head, fields in related.items():
        field = model._meta.get_field(head)
        target = field.related_model
        if target is None or not (field.many_to_one or field.one_to_one):
            return None
        target_pk = target._meta.pk.attname if target._meta.pk else "id"
        start = len(flat)
        flat += [f"{head}__pk", *(f"{head}__{f}" for f in fields if f not in ("pk", target_pk))]
        kept = [f for f in fields if f not in ("pk", target_pk)]
        spans.append((start, len(flat), record_class(target.__name__, kept, target_pk)))
    split = 1 + len(own)

    def produce() -> Iterator[Any]:
        make = top._make
        for values in queryset.values_list(*flat).iterator(chunk_size=CHUNK):
            yield make(
                (
                    *values[:split],
                    *(
                        None if values[start] is None else cls._make(values[start:end])
                        for start, end, cls in spans
                    ),
                )
            )

    return produce()


def _chunk_rows(
    spec: ExportSpec, chunk: list[Any], ctx: ExportContext, mask: Callable[[str, str], str]
) -> Iterator[list[Any]]:
    if spec.prepare is not None:
        spec.prepare(chunk, ctx)
    getters = [col.value for col in spec.columns]
    hidden = (
        [] if ctx.reveal else [(i, c.sensitive) for i, c in enumerate(spec.columns) if c.sensitive]
    )
    cell = _cell
    for obj in chunk:
        if not hidden:
            yield [cell(get(obj, ctx)) for get in getters]
            continue
        values = [get(obj, ctx) for get in getters]
        for i, kind in hidden:  # masked before the cell is neutralised, as shown in the list
            if values[i]:
                values[i] = mask(kind, str(values[i]))
        yield [cell(value) for value in values]


def _cell(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if kind is int or kind is float:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        value = "、".join(str(v) for v in value)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(row_iter: Iterable[list[Any]], *, watermark: str = "") -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (so that Excel opens Chinese text correctly), line by line.

    ``watermark``: a first line naming who exported the file, when and why."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    buffer: list[str] = [writer.writerow([neutralise(watermark)])] if watermark else []
    for row in row_iter:
        buffer.append(writer.writerow(row))
        if len(buffer) >= 500:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


#: From this many rows on, an .xlsx export is written by a second process (see ``write_xlsx``).
PARALLEL_XLSX_ROWS = 20_000
#: Data rows an .xlsx sheet can hold (Excel's 1,048,576 rows, less the watermark and the header).
XLSX_MAX_ROWS = 1_048_574
_BATCH = 1000


def write_xlsx(
    row_iter: Iterable[list[Any]],
    handle: Any,
    *,
    title: str,
    widths: list[int] | None = None,
    parallel: bool = False,
    watermark: str = "",
) -> int:
    """Write the rows as one sheet into ``handle`` (a file object); rows written.

    ``parallel``: a forked process writes the workbook (``xlsx_stream``) while this one produces
    the rows, so that producing (the database cursor, labels, masking) and writing (the sheet's
    XML and its compression) run side by side on two cores. The child only writes a temporary
    file; it never touches this process's database connection, and it ends with ``os._exit``.
    300,000 demands: 13.0 s, against 19.5 s with both processes pinned to one core
    (docs/performance.md)."""
    import multiprocessing

    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        return _write_book(row_iter, handle, title=title, widths=widths, watermark=watermark)
    return _write_in_child(row_iter, handle, title=title, widths=widths, watermark=watermark)


def _write_in_child(
    row_iter: Iterable[list[Any]],
    handle: Any,
    *,
    title: str,
    widths: list[int] | None,
    watermark: str = "",
) -> int:
    import multiprocessing
    import os
    import shutil

    context = multiprocessing.get_context("fork")
    rows_in, rows_out = context.Pipe(duplex=False)
    result_in, result_out = context.Pipe(duplex=False)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    child = context.Process(
        target=_child_writer,
        args=(rows_in, result_out, path, title, widths, watermark),
        daemon=True,
    )
    try:
        child.start()
        rows_in.close()
        result_out.close()
        batch: list[list[Any]] = []
        for row in row_iter:
            batch.append(row)
            if len(batch) >= _BATCH:
                rows_out.send(batch)
                batch = []
        if batch:
            rows_out.send(batch)
        rows_out.send(None)
        ok, value = result_in.recv()
        child.join()
        if not ok:
            raise RuntimeError(f"写入 Excel 文件失败：{value}")
        with open(path, "rb") as written:
            shutil.copyfileobj(written, handle, 1 << 20)
        return int(value)
    finally:
        if child.is_alive():
            child.kill()
            child.join()
        rows_out.close()
        result_in.close()
        os.unlink(path)


def _child_writer(
    rows_in: Any,
    result_out: Any,
    path: str,
    title: str,
    widths: list[int] | None,
    watermark: str = "",
) -> None:
    def received() -> Iterator[list[Any]]:
        while True:
            batch = rows_in.recv()
            if batch is None:
                return
            yield from batch

    try:
        with open(path, "wb") as out:
            count = _write_book(received(), out, title=title, widths=widths, watermark=watermark)
        result_out.send((True, count))
    except BaseException as exc:  # reported to the parent, which raises it
        result_out.send((False, repr(exc)))


def _write_book(
    row_iter: Iterable[list[Any]],
    handle: Any,
    *,
    title: str,
    widths: list[int] | None = None,
    watermark: str = "",
) -> int:
    from .xlsx_stream import write_sheet

    return write_sheet(row_iter, handle, title=title, widths=widths, watermark=watermark)


def xlsx_bytes(
    row_iter: Iterable[list[Any]],
    *,
    title: str,
    widths: list[int] | None = None,
    watermark: str = "",
) -> Any:
    """A spooled temporary file holding the workbook, positioned at its start."""
    handle = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    write_xlsx(row_iter, handle, title=title, widths=widths, watermark=watermark)
    handle.seek(0)
    return handle


def table_spec(
    table_class: Any, title: str
) -> Callable[[models.QuerySet[Any], Any], Iterator[list[Any]]]:
    """Rows of a django-tables2 table (every list gets an export, even without its own spec)."""

    def produce(queryset: models.QuerySet[Any], user: Any) -> Iterator[list[Any]]:
        table = table_class(queryset)
        exclude = [name for name, column in table.columns.items() if name in ("actions",)]
        for row in table.as_values(exclude_columns=exclude):
            yield [_cell(v) for v in row]

    return produce


def serializer_spec(
    serializer_class: Any, context: dict[str, Any] | None = None
) -> Callable[[models.QuerySet[Any], Any], Iterator[list[Any]]]:
    """Rows of an API serializer (the API export of lists without their own spec); the
    context carries the request (hyperlinked fields need it)."""
    context = context or {}

    def produce(queryset: models.QuerySet[Any], user: Any) -> Iterator[list[Any]]:
        serializer = serializer_class(context=context)
        fields = [
            (name, field)
            for name, field in serializer.fields.items()
            if not getattr(field, "write_only", False)
        ]
        yield [str(field.label or name) for name, field in fields]
        for obj in queryset.iterator(chunk_size=CHUNK):
            data = serializer_class(obj, context=context).data
            yield [_cell(_flat(data.get(name))) for name, _ in fields]

    return produce


def _flat(value: Any) -> Any:
    if isinstance(value, dict):
        return (
            value.get("label")
            or value.get("name")
            or value.get("display")
            or value.get("value")
            or ""
        )
    if isinstance(value, list):
        return [_flat(v) for v in value]
    return value


def as_bytes_io(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
