"""PostgreSQL only: a faster ``jq_grams(text)`` and byte-wise (``COLLATE "C"``) gram indexes.

The function returns the same set of grams as the version of ``core.0002`` (characters and
character pairs) with built-in functions only. The indexes are rebuilt once, with their grams
sorted byte-wise instead of by the database's collation (see ``jiangqiao.core.search``); on a
fresh database they do not exist yet and the apps' own migrations create them in the new form.
On the large demo set the rebuild takes a few minutes and blocks writes to the three tables.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from jiangqiao.core.search import GRAMS_FUNCTION_SQL, GRAMS_INDEX_SQL

# The version this migration replaces, for going back.
PREVIOUS_SQL = """
CREATE OR REPLACE FUNCTION jq_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(g), '{}'::text[]) FROM (
        SELECT c AS g FROM unnest(regexp_split_to_array(t, '')) AS c
        UNION ALL
        SELECT p || c FROM (
            SELECT c, lag(c) OVER (ORDER BY i) AS p
            FROM unnest(regexp_split_to_array(t, '')) WITH ORDINALITY AS u(c, i)
        ) AS pairs WHERE p IS NOT NULL
    ) AS grams
$$
"""


def _rebuild(schema_editor: Any, expression: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT ci.relname, ct.relname FROM pg_index i"
            " JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class ct ON ct.oid = i.indrelid"
            " WHERE pg_get_indexdef(i.indexrelid) LIKE '%%jq_grams(%%'"
        )
        indexes = cursor.fetchall()
    if indexes:
        schema_editor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for index, table in indexes:
        schema_editor.execute(f'DROP INDEX "{index}"')
        schema_editor.execute(
            f'CREATE INDEX "{index}" ON "{table}"'
            f" USING gin ({expression.format(column='search_text')})"
        )


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GRAMS_FUNCTION_SQL)
        _rebuild(schema_editor, GRAMS_INDEX_SQL)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS_SQL)
        _rebuild(schema_editor, "jq_grams({column})")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_importbatch_importalias_recordsource")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
