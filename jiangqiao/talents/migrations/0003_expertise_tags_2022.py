"""Craftsmen's 专长领域 are demand-category codes: rewrite those of the first list to the 2022
classes' codes (``taxonomy.codelists.LEGACY_DEMAND_CATEGORIES``), in the profile and in its
index rows (``CraftsmanCode`` scheme ``tag``)."""

from typing import Any

from django.db import migrations

from jiangqiao.taxonomy.codelists import LEGACY_DEMAND_CATEGORIES


def _mapped(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(LEGACY_DEMAND_CATEGORIES.get(c, c) for c in codes))


def forwards(apps: Any, schema_editor: Any) -> None:
    craftsman = apps.get_model("talents", "Craftsman")
    code_row = apps.get_model("talents", "CraftsmanCode")
    db = schema_editor.connection.alias
    for pk, tags in (
        craftsman.objects.using(db).exclude(expertise_tags=[]).values_list("pk", "expertise_tags")
    ).iterator():
        if isinstance(tags, list) and any(t in LEGACY_DEMAND_CATEGORIES for t in tags):
            craftsman.objects.using(db).filter(pk=pk).update(expertise_tags=_mapped(tags))
    rows = code_row.objects.using(db).filter(scheme="tag", code__in=list(LEGACY_DEMAND_CATEGORIES))
    for row in rows.iterator():
        new = LEGACY_DEMAND_CATEGORIES[row.code]
        if code_row.objects.using(db).filter(
            craftsman_id=row.craftsman_id, scheme="tag", code=new
        ).exists():
            row.delete()  # two old tags that became one
        else:
            code_row.objects.using(db).filter(pk=row.pk).update(code=new, key=new)


class Migration(migrations.Migration):
    dependencies = [("talents", "0002_gram_search")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
