"""The demand categories become 浙江's six 2022 classes: every stored code of the first list is
rewritten to the code that replaces it (``taxonomy.codelists.LEGACY_DEMAND_CATEGORIES``, which
covers every old code; a test checks that nothing is left unmapped)."""

from typing import Any

from django.db import migrations

from jiangqiao.taxonomy.codelists import LEGACY_DEMAND_CATEGORIES, legacy_demand_category


def forwards(apps: Any, schema_editor: Any) -> None:
    demand = apps.get_model("demands", "Demand")
    db = schema_editor.connection.alias
    old = list(LEGACY_DEMAND_CATEGORIES)
    rows = demand.objects.using(db).filter(category__in=old) | demand.objects.using(db).filter(
        subcategory__in=old
    )
    for pk, category, subcategory in rows.values_list("pk", "category", "subcategory").iterator():
        demand.objects.using(db).filter(pk=pk).update(
            category=legacy_demand_category(category, subcategory),
            subcategory=LEGACY_DEMAND_CATEGORIES.get(subcategory, subcategory),
        )


class Migration(migrations.Migration):
    dependencies = [("demands", "0006_status_age_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
