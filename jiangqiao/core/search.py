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
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, QuerySet

from jiangqiao.text import search_key

SEARCH_MAX = 50

GRAMS_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION jq_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(g), '{}'::text[]) FROM (
        SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i
        UNION ALL
        SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
    ) AS grams
$$
"""


def query_grams(key: str) -> list[str]:
    """The n-grams a row must hold to contain ``key``: its character pairs, or the single
    character of a one-character key. Grams with white space are left to the ``LIKE`` recheck."""
    if len(key) == 1:
        return [] if key.isspace() else [key]
    grams = {key[i : i + 2] for i in range(len(key) - 1)}
    return sorted(g for g in grams if not any(c.isspace() for c in g))


class Grams(Func):
    function = "jq_grams"
    output_field = ArrayField(models.TextField())


def substring_search(
    queryset: QuerySet[Any], value: str, field: str = "search_text"
) -> QuerySet[Any]:
    """Rows whose ``field`` contains the search key of ``value`` (at most ``SEARCH_MAX`` chars)."""
    key = search_key(value)[:SEARCH_MAX]
    if not key:
        return queryset
    queryset = queryset.filter(**{f"{field}__contains": key})
    grams = query_grams(key)
    if grams and queryset.db and _is_postgresql(queryset.db):
        queryset = queryset.alias(_search_grams=Grams(F(field))).filter(
            _search_grams__contains=grams
        )
    return queryset


def _is_postgresql(alias: str) -> bool:
    from django.db import connections

    return connections[alias].vendor == "postgresql"


def create_gram_index(
    schema_editor: Any, name: str, table: str, column: str = "search_text"
) -> None:
    """Migration helper: the GIN n-gram index of ``table.column`` (PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (jq_grams({column}))"
    )


def drop_index(schema_editor: Any, name: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
