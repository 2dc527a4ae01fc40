"""The bulk write path of the spreadsheet imports (``core.bulk``), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction

from jiangqiao.core.bulk import insert_rows, pipelined
from jiangqiao.core.models import ChangeLog

pytestmark = pytest.mark.django_db(transaction=True)

DATA = {"名称": "深圳市南山区 “匠心” 工作室", "codes": ["C34", "6-28-01-01"], "n": 3, "none": None}


MARK = "core.bulk test row"


def _rows():
    return ChangeLog.objects.filter(object_repr=MARK)


def _row(**extra):
    return {
        "content_type_id": ContentType.objects.get_for_model(ChangeLog).pk,
        "object_id": "1",
        "object_repr": MARK,
        "action": "create",
        **extra,
    }


def test_json_is_stored_as_django_stores_it():
    with transaction.atomic(), pipelined():
        insert_rows(ChangeLog, [_row(postchange_data=DATA, prechange_data=None)])
    log = _rows().get()
    assert log.postchange_data == DATA
    assert log.prechange_data is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT postchange_data FROM core_changelog WHERE id = %s", [log.pk])
        stored = cursor.fetchone()[0]
    if connection.vendor == "sqlite":
        # Byte for byte what ``JSONField`` writes on SQLite.
        assert stored == json.dumps(DATA)
    else:
        assert (json.loads(stored) if isinstance(stored, str) else stored) == DATA


def test_a_bad_reference_fails_the_block_and_nothing_stays():
    with pytest.raises(IntegrityError), transaction.atomic(), pipelined():
        insert_rows(ChangeLog, [_row(user_id=987654321)])
    assert not _rows().exists()


def test_foreign_keys_are_deferred_again_after_the_block():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite checks foreign keys at the commit only")
    with pytest.raises(IntegrityError), transaction.atomic():
        with pipelined():
            insert_rows(ChangeLog, [_row()])
        # After the block a dangling reference is accepted until the commit again (Django's
        # INITIALLY DEFERRED constraints), so rows may still be written children first.
        insert_rows(ChangeLog, [_row(user_id=987654321)])
        assert _rows().count() == 2
    assert not _rows().exists()


def test_tuples_are_stored_as_given_and_wait_for_their_parents():
    from jiangqiao.core.bulk import insert_tuples
    from jiangqiao.core.testing.personas import make_org
    from jiangqiao.talents.models import Craftsman, CraftsmanCode

    org = make_org(None, "province", "元组测试省总工会", "440000")
    with transaction.atomic(), pipelined():
        craftsman = Craftsman.objects.create(name="元组测试", org=org)
        insert_tuples(
            CraftsmanCode,
            ("craftsman", "scheme", "code", "key"),
            [
                (craftsman.pk, "industry", "3421", "C3421"),
                (craftsman.pk, "region", "440305", "440305"),
            ],
        )
    assert sorted(
        CraftsmanCode.objects.filter(craftsman=craftsman).values_list("scheme", "code", "key")
    ) == [("industry", "3421", "C3421"), ("region", "440305", "440305")]
    with pytest.raises(IntegrityError), transaction.atomic(), pipelined():
        insert_tuples(
            CraftsmanCode, ("craftsman", "scheme", "code", "key"), [(987654321, "x", "y", "z")]
        )
    assert not CraftsmanCode.objects.filter(craftsman_id=987654321).exists()
    Craftsman.objects.filter(pk=craftsman.pk).delete()
    org.delete()
