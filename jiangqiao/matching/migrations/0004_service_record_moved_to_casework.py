"""服务记录 moved to ``casework`` (its migration 0003_service_sessions keeps the table and rows):
``matching`` forgets the model in its state only; no table is dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0003_matchrun_status_interrupted"),
        ("casework", "0003_service_sessions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ServiceRecord")],
            database_operations=[],
        )
    ]
