"""The aging board and the tick's escalation scan read demands by state and time in that state.

A covering index on ``demands_demand (status, status_changed_at, org_id, owner_level)`` lets both
answer from the index alone (no visit of the wide demand rows): the board for a province user at
300,000 demands went from a sequential scan to an index-only scan (docs/performance.md). The
index lives on the demands table but serves casework's reads, so casework creates it (plain SQL,
the same on SQLite and PostgreSQL; the demands model state is untouched).
"""

from __future__ import annotations

from django.db import migrations

NAME = "casework_demand_status_age"


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0002_offers_from_confirmed_matches"),
        ("demands", "0005_demand_outcome_status_changed"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {NAME} "
            "ON demands_demand (status, status_changed_at, org_id, owner_level)",
            reverse_sql=f"DROP INDEX IF EXISTS {NAME}",
        )
    ]
