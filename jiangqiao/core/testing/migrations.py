"""Migrating the test database back and forth inside a test (the data-migration tests).

``migrate_to(targets)`` runs the same migrations, with the same project states, as
``MigrationExecutor(connection).migrate(targets)``, and returns a fresh executor whose loader sees the
database as it now is. The only difference is how the states before each migration to unapply are
computed on the way back: Django renders the model registry at the first migration to unapply and
then carries the rendered registry through every later migration of the whole project (re-rendering
the models each operation touches, and the models related to them), which took most of a migration
test's time (93 s of 137 s on SQLite for nine migrations to unapply). Here the walk runs over
unrendered states, and only the state before each migration to unapply is rendered, once.
Migrating forward is Django's own code. docs/performance.md, "CI run time".
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState


class _Executor(MigrationExecutor):
    def _migrate_all_backwards(self, plan: Any, full_plan: Any, fake: bool) -> ProjectState:
        to_unapply = {migration for migration, _ in plan}
        applied = {
            self.loader.graph.nodes[key]
            for key in self.loader.applied_migrations
            if key in self.loader.graph.nodes
        }
        walk = ProjectState(real_apps=self.loader.unmigrated_apps)
        states: dict[Any, ProjectState] = {}
        for migration, _ in full_plan:
            if not to_unapply:
                break
            if migration in to_unapply:
                states[migration] = walk.clone()  # the state before this migration
                to_unapply.remove(migration)
                migration.mutate_state(walk, preserve=False)
            elif migration in applied:
                migration.mutate_state(walk, preserve=False)
        for migration, _ in plan:
            state = states.pop(migration)
            state.apps  # noqa: B018 -- render this state once, as Django does before unapplying
            self.unapply_migration(state, migration, fake=fake)
            applied.remove(migration)
        after = ProjectState(real_apps=self.loader.unmigrated_apps)
        for migration, _ in full_plan:
            if migration in applied:
                migration.mutate_state(after, preserve=False)
        return after


def migrate_to(targets: list[tuple[str, str]]) -> MigrationExecutor:
    """Migrate the default database to ``targets`` (backwards or forwards, as Django's
    ``migrate`` would) and return a fresh executor reflecting the result."""
    _Executor(connection).migrate(targets)
    return MigrationExecutor(connection)


def latest_migrations() -> list[tuple[str, str]]:
    """The leaf migration of every app: the targets that bring the database back up to date."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
