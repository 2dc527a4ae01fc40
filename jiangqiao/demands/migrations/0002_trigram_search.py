"""PostgreSQL only: trigram (pg_trgm) GIN indexes for the ``search_text`` columns.

Text search is ``search_text LIKE '%<search key>%'`` on every database. On PostgreSQL a
``gin_trgm_ops`` index answers it for queries of three or more characters (CJK characters form
trigrams too under a UTF-8 ctype); shorter queries and SQLite scan the rows left by the other
filters. Creating the extension needs a role allowed to ``CREATE EXTENSION`` (superuser or, since
PostgreSQL 13, a database owner for trusted extensions such as pg_trgm). On other databases this
migration does nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

INDEXES = (
    ("demand_search_trgm", "demands_demand"),
    ("enterprise_search_trgm", "demands_enterprise"),
)


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_text gin_trgm_ops)"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
