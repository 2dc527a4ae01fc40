"""PostgreSQL only: the immutable ``jq_grams(text)`` function behind the n-gram search indexes.

See ``jiangqiao.core.search``. On other databases this migration does nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from jiangqiao.core.search import GRAMS_FUNCTION_SQL


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GRAMS_FUNCTION_SQL)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS jq_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
