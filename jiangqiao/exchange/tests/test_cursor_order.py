"""No change is ever skipped by an incremental export: a transaction that commits after a later
one (a higher change-log id committed first) still reaches the next batch (issue 17 point 9).

The cursor is the change log's commit-order position (``chain_seq``, given by the sealer after
commit), not its id. The first test hands ids out of commit order by hand (both databases); the
second does it for real with two PostgreSQL connections.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.db.models import Max

from jiangqiao.core.models import ChangeLog
from jiangqiao.demands import services as demand_services
from jiangqiao.demands.models import Enterprise
from jiangqiao.demands.tests.factories import new_uscc

from .helpers import build, export, parse


def _second_enterprise(world: Any) -> Enterprise:
    return demand_services.enterprise_create(
        actor=world.province_admin,
        org=world.county_a1,
        data={
            "uscc": new_uscc(world.county_a1.region_code),
            "name": "东莞精密模具有限公司",
            "region_code": world.county_a1.region_code,
        },
    )


def _enterprise_ids(text: str) -> set[str]:
    _, records = parse(text)
    return {r["id"] for r in records if r["type"] == "enterprise"}


def _change_row(pk: int, enterprise: Enterprise, note: str) -> ChangeLog:
    row = ChangeLog(
        pk=pk,
        action="update",
        content_type=ContentType.objects.get_for_model(Enterprise),
        object_id=str(enterprise.pk),
        object_repr=str(enterprise),
        org_id=enterprise.org_id,
        source="test",
        prechange_data={"remark": ""},
        postchange_data={"remark": note},
    )
    row.save()
    return row


@pytest.mark.django_db
def test_a_lower_id_committed_after_an_export_is_in_the_next_batch(world, settings):
    settings.INSTANCE_ID = "gd-province"
    data = build(world.county_a1, world.province_admin)
    late, early = data.enterprise, _second_enterprise(world)
    first_cursor = parse(export(world.province_admin))[0]["cursor_to"]
    top = ChangeLog.objects.aggregate(m=Max("pk"))["m"]
    # The later transaction got the higher id and committed first; an export ran in between.
    _change_row(top + 1000, early, "先提交")
    text = export(world.province_admin, since=first_cursor)
    header, _ = parse(text)
    exported = _enterprise_ids(text)
    assert f"gd-province:enterprise:{early.pk}" in exported
    assert f"gd-province:enterprise:{late.pk}" not in exported
    # Now the earlier transaction (lower id) commits.
    _change_row(top + 500, late, "后提交")
    assert top + 500 < top + 1000  # an id cursor (the last id exported) would skip it for ever
    nxt = export(world.province_admin, since=header["cursor_to"])
    assert f"gd-province:enterprise:{late.pk}" in _enterprise_ids(nxt)
    assert parse(nxt)[0]["cursor_to"] > header["cursor_to"]
    # ... and exactly once: the batch after that one has neither.
    after = export(world.province_admin, since=parse(nxt)[0]["cursor_to"])
    assert _enterprise_ids(after) == set()


@pytest.fixture
def committed_world(transactional_db: Any) -> Iterator[Any]:
    if connection.vendor == "sqlite":
        pytest.skip(
            "两个连接同时写：SQLite 内存测试库不能跨线程共享，且 SQLite 只有一个写者（编号即提交顺序）；"
            "SQLite 上由上一条测试以人为乱序的编号验证"
        )
    from jiangqiao.core.testing.personas import build_world

    yield build_world()


def test_two_connections_the_later_commit_is_not_skipped(committed_world, settings):
    """PostgreSQL: T1 writes first (lower id) and commits last; an export runs between."""
    world = committed_world
    settings.INSTANCE_ID = "gd-province"
    data = build(world.county_a1, world.province_admin)
    slow, fast = data.enterprise, _second_enterprise(world)
    cursor = parse(export(world.province_admin))[0]["cursor_to"]

    written, release = threading.Event(), threading.Event()
    seen: dict[str, int] = {}
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                demand_services.enterprise_update(
                    actor=world.province_admin,
                    enterprise=Enterprise.objects.get(pk=slow.pk),
                    data={"remark": "慢事务"},
                )
                seen["slow_id"] = ChangeLog.objects.aggregate(m=Max("pk"))["m"]
                written.set()
                assert release.wait(timeout=30)
        except BaseException as exc:
            errors.append(exc)
            written.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(timeout=30)
    demand_services.enterprise_update(
        actor=world.province_admin,
        enterprise=Enterprise.objects.get(pk=fast.pk),
        data={"remark": "快事务"},
    )
    fast_id = ChangeLog.objects.aggregate(m=Max("pk"))["m"]
    middle = export(world.province_admin, since=cursor)
    middle_cursor = parse(middle)[0]["cursor_to"]
    release.set()
    thread.join(timeout=30)
    assert errors == []
    assert seen["slow_id"] < fast_id  # the attack: the lower id commits last
    assert _enterprise_ids(middle) == {f"gd-province:enterprise:{fast.pk}"}
    last = export(world.province_admin, since=middle_cursor)
    assert _enterprise_ids(last) == {f"gd-province:enterprise:{slow.pk}"}
