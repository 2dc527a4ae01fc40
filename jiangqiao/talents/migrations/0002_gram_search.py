"""PostgreSQL only: n-gram GIN index for text search of craftsmen (see ``jiangqiao.core.search``)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from jiangqiao.core.search import create_gram_index, drop_index


def forwards(apps: Any, schema_editor: Any) -> None:
    create_gram_index(schema_editor, "craftsman_search_grams", "talents_craftsman")


def backwards(apps: Any, schema_editor: Any) -> None:
    drop_index(schema_editor, "craftsman_search_grams")


class Migration(migrations.Migration):
    dependencies = [("talents", "0001_initial"), ("core", "0002_search_grams")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
