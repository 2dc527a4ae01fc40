from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from jiangqiao.core import crypto
from jiangqiao.talents.models import Craftsman

OLD = "b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0x"
NEW = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0y"
STRANGER = "c3RyYW5nZXIta2V5LXN0cmFuZ2VyLWtleS1zdHJhbmdl"

ROTATING = {"FIELD_ENCRYPTION_KEY": NEW, "FIELD_ENCRYPTION_OLD_KEYS": [OLD], "FIELD_INDEX_KEY": OLD}


@pytest.fixture(autouse=True)
def own_media_root(settings, tmp_path):
    """The rotation rewrites stored export files and private files too: files other tests left
    under the test key (which these tests do not configure) would be reported unreadable."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.JIANGQIAO_PRIVATE_ROOT = str(tmp_path / "private")


def _raw(pk: int) -> tuple[str, str]:
    table = connection.ops.quote_name(Craftsman._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, mobile FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def _make(world, n: int) -> list[Craftsman]:
    with override_settings(FIELD_ENCRYPTION_KEY=OLD):
        return [
            Craftsman.objects.create(
                name=f"轮换{i}",
                org=world.county_a1,
                id_number=f"44030519900101{i:04d}",
                mobile=f"1380013{i:04d}",
            )
            for i in range(n)
        ]


@pytest.mark.django_db
def test_rotation_rewrites_every_value_under_the_primary_key_and_is_rerunnable(world):
    people = _make(world, 5)
    with override_settings(FIELD_ENCRYPTION_KEY=OLD):
        index_before = crypto.blind_index("13800130001", purpose="mobile")
    with override_settings(**ROTATING):
        # Old rows read through the old key before the rotation; the index does not move.
        assert Craftsman.objects.get(pk=people[1].pk).mobile == "13800130001"
        assert crypto.blind_index("13800130001", purpose="mobile") == index_before
        out = StringIO()
        call_command("rotate_field_key", "--batch", "2", stdout=out)
        assert "重新加密 10 个" in out.getvalue()
        again = StringIO()
        call_command("rotate_field_key", stdout=again)
        assert "重新加密 0 个" in again.getvalue() and "已是主密钥 10 个" in again.getvalue()
    # The old key can now be dropped: every value opens with the new key alone.
    with override_settings(FIELD_ENCRYPTION_KEY=NEW, FIELD_ENCRYPTION_OLD_KEYS=[]):
        for i, person in enumerate(people):
            id_token, mobile_token = _raw(person.pk)
            assert crypto.decrypt_with_key_index(id_token) == (f"44030519900101{i:04d}", 0)
            assert crypto.decrypt(mobile_token) == f"1380013{i:04d}"
    with override_settings(FIELD_ENCRYPTION_KEY=OLD), pytest.raises(Exception):  # noqa: B017
        crypto.decrypt(_raw(people[0].pk)[0])


@pytest.mark.django_db
def test_a_value_no_key_opens_is_named_and_fails_the_run(world):
    people = _make(world, 3)
    with override_settings(FIELD_ENCRYPTION_KEY=STRANGER):
        foreign = crypto.encrypt("110101199001011234")
    table = connection.ops.quote_name(Craftsman._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET id_number = %s WHERE id = %s",  # noqa: S608
            [foreign, people[1].pk],
        )
    err = StringIO()
    with override_settings(**ROTATING), pytest.raises(CommandError, match="1 个加密值无法"):
        call_command("rotate_field_key", stdout=StringIO(), stderr=err)
    assert f"talents.Craftsman id={people[1].pk} 字段 id_number" in err.getvalue()
    # The others were still rotated.
    with override_settings(FIELD_ENCRYPTION_KEY=NEW, FIELD_ENCRYPTION_OLD_KEYS=[]):
        assert crypto.decrypt(_raw(people[2].pk)[1]) == "13800130002"


@pytest.mark.django_db
def test_old_keys_without_a_pinned_index_key_are_refused():
    with override_settings(FIELD_ENCRYPTION_KEY=NEW, FIELD_ENCRYPTION_OLD_KEYS=[OLD]):
        with pytest.raises(ImproperlyConfigured, match="JIANGQIAO_FIELD_INDEX_KEY"):
            crypto.blind_index("13800138000", purpose="mobile")
        with pytest.raises(ImproperlyConfigured, match="JIANGQIAO_FIELD_INDEX_KEY"):
            call_command("rotate_field_key", stdout=StringIO())


def test_files_encrypted_under_an_old_key_still_open():
    with override_settings(FIELD_ENCRYPTION_KEY=OLD):
        blob = crypto.encrypt_bytes(b"workbook")
    with override_settings(**ROTATING):
        assert crypto.decrypt_bytes(blob) == b"workbook"
    with override_settings(FIELD_ENCRYPTION_KEY=NEW), pytest.raises(Exception):  # noqa: B017
        crypto.decrypt_bytes(blob)


@pytest.mark.django_db
def test_a_value_saved_meanwhile_is_not_overwritten(world, monkeypatch):
    person = _make(world, 1)[0]
    table = connection.ops.quote_name(Craftsman._meta.db_table)
    real = crypto.decrypt_with_key_index
    with override_settings(**ROTATING):
        saved_meanwhile = crypto.encrypt("13900000000")

        def save_then_decrypt(token):
            # A clerk saves a new mobile between the rotation's read and its write.
            if token == _raw(person.pk)[1]:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET mobile = %s WHERE id = %s",  # noqa: S608
                        [saved_meanwhile, person.pk],
                    )
            return real(token)

        monkeypatch.setattr(crypto, "decrypt_with_key_index", save_then_decrypt)
        out = StringIO()
        call_command("rotate_field_key", stdout=out)
        assert "重新加密 1 个" in out.getvalue() and "修改（已是主密钥）1 个" in out.getvalue()
        assert Craftsman.objects.get(pk=person.pk).mobile == "13900000000"
