"""Substring search over normalised Chinese text, indexed on PostgreSQL by character n-grams.

Every searchable model keeps a ``search_text`` column: ``jiangqiao.text.search_key`` of its
texts (normalised, simplified, case-folded). A query matches a row when its own search key is a
substring of the row's ``search_text`` — ``LIKE '%key%'`` on every database, so the meaning of a
search is the same on SQLite and PostgreSQL.

Chinese queries are short: ``质量``, ``焊接``, ``数控``. A pg_trgm index cannot serve them (a
trigram needs three characters) and word segmentation would miss substrings that cross word
boundaries. So on PostgreSQL the migration ``core.0002`` installs an immutable SQL function
``jq_grams(text)`` returning the text's characters and character pairs, and each searchable table
gets a GIN index on ``jq_grams(search_text)``. A query key is turned into its pairs (or its single
character) and the filter becomes

    jq_grams(search_text) @> ARRAY['数控', '控机', '机床']  AND  search_text LIKE '%数控机床%'

— the GIN index finds the rows holding every pair, the ``LIKE`` recheck keeps the exact substring
meaning (a row holding 数控, 控机 and 机床 in different places is not a match). On SQLite the
filter is the ``LIKE`` alone: SQLite serves the development and demo sets, not 300,000 rows.

**Rare or common.** The index is what makes a rare key fast (数控 in 326 of 100,000 craftsmen: 11 ms
instead of a 500 ms scan). A common key is the opposite case: 设备 is in 70% of the profiles, the
list page's first 20 rows and its capped count are found within a few hundred rows in index
order, and the n-gram condition would only add work (PostgreSQL then evaluates ``jq_grams`` row by
row, 230 ms instead of 18 ms). So the condition is added only when the key is rare: the
frequency of each of its grams is read from the statistics PostgreSQL keeps for the expression
index (``pg_stats.most_common_elem_freqs``, refreshed by ANALYZE, cached here for ten minutes);
a key is common when its rarest gram is in more than ``COMMON_FRACTION`` of the rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, QuerySet

from jiangqiao.text import search_key

SEARCH_MAX = 50
COMMON_FRACTION = 0.05
STATS_TTL = 600.0

# Characters by one split; pairs by two regular-expression passes that cut the text into
# non-overlapping pairs from its first and from its second character (``\x01`` marks the cuts;
# the normalised search text holds no control characters). Built-in functions only, no
# subquery: 9 s for 100,000 craftsman profiles where the first version (``unnest`` and ``lag()``
# over a window) took 24 s, and the function runs for every row written and every index merge.
# Its value as a set — what the GIN index stores — is the same as the first version's.
GRAMS_FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION jq_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_remove(
        regexp_split_to_array(t, '')
        || string_to_array(regexp_replace(t, '(..)', '\1' || chr(1), 'g'), chr(1))
        || string_to_array(regexp_replace(substr(t, 2), '(..)', '\1' || chr(1), 'g'), chr(1)),
        ''
    )
$$
"""


def query_grams(key: str) -> list[str]:
    """The n-grams a row must hold to contain ``key``: its character pairs, or the single
    character of a one-character key. Grams with white space are left to the ``LIKE`` recheck."""
    if len(key) == 1:
        return [] if key.isspace() else [key]
    grams = {key[i : i + 2] for i in range(len(key) - 1)}
    return sorted(g for g in grams if not any(c.isspace() for c in g))


# The index sorts its grams byte-wise (``COLLATE "C"``): the database's own collation
# (``zh_CN.UTF-8``, ``en_US.UTF-8`` or even ``C.UTF-8``) compares through ``strcoll``, and GIN
# sorts each row's few hundred grams on every insert — 36 s instead of 27 s for COPYing 92,000
# craftsman profiles on C.UTF-8. Queries must name the same collation for the index to serve.
GRAMS_INDEX_SQL = '(jq_grams({column}) COLLATE "C")'


class Grams(Func):
    function = "jq_grams"
    template = '(%(function)s(%(expressions)s) COLLATE "C")'
    output_field = ArrayField(models.TextField())


def gram_index_name(table: str) -> str:
    return f"{table}_grams"


def substring_search(
    queryset: QuerySet[Any], value: str, field: str = "search_text"
) -> QuerySet[Any]:
    """Rows whose ``field`` contains the search key of ``value`` (at most ``SEARCH_MAX`` chars)."""
    key = search_key(value)[:SEARCH_MAX]
    if not key:
        return queryset
    queryset = queryset.filter(**{f"{field}__contains": key})
    grams = query_grams(key)
    alias = queryset.db
    if grams and _is_postgresql(alias):
        index = gram_index_name(queryset.model._meta.db_table)
        if not is_common(alias, index, grams):
            queryset = queryset.alias(_search_grams=Grams(F(field))).filter(
                _search_grams__contains=grams
            )
    return queryset


def is_common(alias: str, index: str, grams: list[str]) -> bool:
    """Whether every gram of the key is in more than ``COMMON_FRACTION`` of the rows."""
    freqs = _gram_stats(alias, index)
    return bool(freqs) and all(freqs.get(g, 0.0) > COMMON_FRACTION for g in grams)


_stats_lock = threading.Lock()
_stats: dict[tuple[str, str], tuple[float, dict[str, float]]] = {}


def _gram_stats(alias: str, index: str) -> dict[str, float]:
    now = time.monotonic()
    with _stats_lock:
        cached = _stats.get((alias, index))
    if cached is not None and now - cached[0] < STATS_TTL:
        return cached[1]
    from django.db import connections

    freqs: dict[str, float] = {}
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
            " WHERE tablename = %s AND attname = 'jq_grams'",
            [index],
        )
        row = cursor.fetchone()
    if row and row[0] and row[1]:
        freqs = dict(zip(row[0], row[1], strict=False))
    with _stats_lock:
        _stats[(alias, index)] = (now, freqs)
    return freqs


def _is_postgresql(alias: str) -> bool:
    from django.db import connections

    return connections[alias].vendor == "postgresql"


def create_gram_index(schema_editor: Any, table: str, column: str = "search_text") -> None:
    """Migration helper: the GIN n-gram index of ``table.column`` (PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    expression = GRAMS_INDEX_SQL.format(column=column)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {gram_index_name(table)} ON {table} USING gin ({expression})"
    )


def drop_index(schema_editor: Any, name: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


@contextmanager
def bulk_loading(table: str) -> Iterator[None]:
    """Many inserts into ``table`` inside the current transaction (a spreadsheet import).

    Row by row, every insert merges a few hundred character pairs into the n-gram GIN index, and
    that dominated a 100,000-row import on PostgreSQL (about 2.5 ms a row). Inside this block the
    index's pending list may grow large (``gin_pending_list_limit``, for this transaction only);
    once the import has committed, a background job merges it into the index in one pass
    (``gin_clean_pending_list``) — the bulk path PostgreSQL's GIN "fast update" was designed for.
    Until then searches are correct but scan the pending list too. No-op on SQLite.
    """
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL gin_pending_list_limit = '1GB'")
    yield
    transaction.on_commit(lambda: merge_pending_later(table))


def merge_pending(table: str) -> None:
    """Merge the n-gram index's pending list into the index (PostgreSQL)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(
            "SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relname = %s",
            [gram_index_name(table)],
        )
        cursor.execute("RESET maintenance_work_mem")


def merge_pending_later(table: str) -> None:
    from .tasks import merge_search_index

    merge_search_index.enqueue(table)
