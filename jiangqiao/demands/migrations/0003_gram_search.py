"""PostgreSQL only: n-gram GIN indexes for text search of enterprises and demands.

They replace the pg_trgm indexes of 0002, which could not serve the one- and two-character
queries that most Chinese searches are (see ``jiangqiao.core.search``).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from jiangqiao.core.search import create_gram_index, drop_index, gram_index_name

TABLES = ("demands_demand", "demands_enterprise")
TRIGRAM_INDEXES = ("demand_search_trgm", "enterprise_search_trgm")


def forwards(apps: Any, schema_editor: Any) -> None:
    for name in TRIGRAM_INDEXES:
        drop_index(schema_editor, name)
    for table in TABLES:
        create_gram_index(schema_editor, table)


def backwards(apps: Any, schema_editor: Any) -> None:
    for table in TABLES:
        drop_index(schema_editor, gram_index_name(table))
    if schema_editor.connection.vendor == "postgresql":
        for name, table in zip(TRIGRAM_INDEXES, TABLES, strict=True):
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_text gin_trgm_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [("demands", "0002_trigram_search"), ("core", "0002_search_grams")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
