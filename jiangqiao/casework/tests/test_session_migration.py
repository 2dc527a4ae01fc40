"""The move of 服务记录 from ``matching`` to ``casework`` keeps rows, ids, history and permissions.

The database is migrated back to the state before the move (``casework`` 0002, ``matching`` 0003),
a session row and a change-log row are written with the historical models, and the database is
migrated forward again: the row is there under the same id in ``casework_servicerecord`` with its
demand and offer derived from the match, the change-log row still points at it, and the
permissions moved with the content type. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from jiangqiao.core.testing.migrations import latest_migrations, migrate_to
from jiangqiao.core.testing.personas import build_world

BEFORE = [
    ("casework", "0002_offers_from_confirmed_matches"),
    ("matching", "0003_matchrun_status_interrupted"),
]


@pytest.mark.django_db(transaction=True)
def test_sessions_survive_the_move_with_ids_history_and_permissions() -> None:
    from jiangqiao.casework.tests.test_sessions import accepted_offer, confirmed_match

    world = build_world()
    match = confirmed_match(world.county_a1, world.city_admin_a)
    offer = accepted_offer(match)
    latest = latest_migrations()
    try:
        executor = migrate_to(BEFORE)
        tables = connection.introspection.table_names()
        assert "matching_servicerecord" in tables and "casework_servicerecord" not in tables
        old = executor.loader.project_state(BEFORE).apps
        ContentType = old.get_model("contenttypes", "ContentType")
        ct = ContentType.objects.get_or_create(app_label="matching", model="servicerecord")[0]
        Permission = old.get_model("auth", "Permission")
        perm = Permission.objects.get_or_create(
            content_type=ct, codename="add_servicerecord", defaults={"name": "Can add 服务记录"}
        )[0]
        Record = old.get_model("matching", "ServiceRecord")
        row = Record.objects.create(
            match_id=match.pk,
            date=timezone.localdate() - dt.timedelta(days=1),
            mode="onsite",
            duration_min=150,
            trainees=7,
            notes="更换主轴轴承（迁移前登记）",
            economic_benefit=Decimal("3.20"),
        )
        ChangeLog = old.get_model("core", "ChangeLog")
        log = ChangeLog.objects.create(
            content_type=ct,
            object_id=str(row.pk),
            object_repr=f"服务记录 #{row.pk}",
            action="create",
            user_name="测试",
        )
        migrate_to(latest)
    finally:
        migrate_to(latest)

    from django.contrib.auth.models import Permission as CurrentPermission
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    from jiangqiao.casework.models import ServiceRecord
    from jiangqiao.core.models import ChangeLog as CurrentChangeLog

    tables = connection.introspection.table_names()
    assert "casework_servicerecord" in tables and "matching_servicerecord" not in tables
    record = ServiceRecord.objects.get(pk=row.pk)
    assert (record.match_id, record.demand_id, record.offer_id) == (
        match.pk,
        match.demand_id,
        offer.pk,
    )
    assert (record.duration_min, record.trainees, record.economic_benefit) == (
        150,
        7,
        Decimal("3.20"),
    )
    # The text kept, under the one text policy (a later migration normalises stored text).
    assert record.notes == "更换主轴轴承(迁移前登记)" and record.problems == []
    moved = CurrentContentType.objects.get_for_model(ServiceRecord)
    assert moved.pk == ct.pk  # the same content type, renamed: history and grants follow
    assert not CurrentContentType.objects.filter(app_label="matching", model="servicerecord")
    assert CurrentPermission.objects.get(pk=perm.pk).content_type_id == moved.pk
    history = CurrentChangeLog.objects.get(pk=log.pk)
    assert (history.content_type_id, history.object_id) == (moved.pk, str(record.pk))
    # New sessions continue the id sequence (no clash with the kept rows).
    new = ServiceRecord.objects.create(
        demand_id=match.demand_id, offer=offer, match=match, date=record.date, mode="phone"
    )
    assert new.pk > record.pk
