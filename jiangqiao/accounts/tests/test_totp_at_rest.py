"""The TOTP secret at rest: encrypted with the field key, never in django-otp's clear column;
verification unchanged; sealed by the migration for older devices; rewritten by key rotation."""

from __future__ import annotations

import importlib
import time
from base64 import b32encode
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiangqiao.accounts import second_factor
from jiangqiao.accounts.models import SEALED_KEY, SealedTOTPDevice, TOTPSecret
from jiangqiao.core import crypto
from jiangqiao.core.testing.personas import PASSWORD

SECRET = "3132333435363738393031323334353637383930"  # RFC 6238's test key, hex
NEW = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0y"
SEAL = importlib.import_module("jiangqiao.accounts.migrations.0012_sealed_totp_secrets")


def code_for(device: SealedTOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def raw(table: type, column: str, pk: int) -> str:
    name = connection.ops.quote_name(table._meta.db_table)
    pk_column = connection.ops.quote_name(table._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {name} WHERE {pk_column} = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_the_secret_is_not_in_the_database_in_clear(world):
    device = second_factor.device_create(user=world.auditor, confirmed=True, key=SECRET)
    assert raw(TOTPDevice, "key", device.pk) == SEALED_KEY
    stored = raw(TOTPSecret, "key", device.pk)
    assert stored.startswith("v1:")
    base32 = b32encode(bytes.fromhex(SECRET)).decode()
    for shape in (SECRET, SECRET.upper(), base32, base32.lower()):
        assert shape not in stored
    assert crypto.decrypt(stored) == SECRET
    # A random secret when none is given, different for each device.
    other = second_factor.device_create(user=world.superuser, confirmed=False)
    assert other.bin_key != device.bin_key and len(other.bin_key) == 20


@pytest.mark.django_db
def test_verification_still_works_and_a_plain_device_cannot_verify(client, world, settings):
    settings.JIANGQIAO_SECOND_FACTOR_ENFORCED = True
    device = second_factor.device_create(user=world.auditor, confirmed=True, key=SECRET)
    client.post(reverse("accounts:login"), {"username": "auditor", "password": PASSWORD})
    code = code_for(SealedTOTPDevice.objects.get(pk=device.pk))
    response = client.post("/accounts/login/verify/", {"code": code})
    assert response.status_code == 302
    assert client.get("/accounts/login-logs/").status_code == 200
    # django-otp's own class sees only the marker: it fails rather than accepting any code.
    plain = TOTPDevice.objects.get(pk=device.pk)
    with pytest.raises(ValueError):
        plain.verify_token(code)


@pytest.mark.django_db
def test_the_migration_seals_existing_devices_and_unseals_on_reverse(world):
    # A device enrolled before the migration: django-otp's clear hex key.
    old = TOTPDevice.objects.create(user=world.auditor, name="动态口令", confirmed=True, key=SECRET)
    SEAL.seal_keys(apps, None)
    assert raw(TOTPDevice, "key", old.pk) == SEALED_KEY
    assert SealedTOTPDevice.objects.get(pk=old.pk).bin_key == bytes.fromhex(SECRET)
    assert SECRET not in raw(TOTPSecret, "key", old.pk)
    SEAL.seal_keys(apps, None)  # run again: nothing changes, no second secret
    assert TOTPSecret.objects.filter(device_id=old.pk).count() == 1
    SEAL.unseal_keys(apps, None)
    assert raw(TOTPDevice, "key", old.pk) == SECRET


@pytest.mark.django_db
def test_key_rotation_rewrites_the_secret(world, settings, tmp_path):
    # The run reads every stored file too: other tests' files (under other keys) stay out.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.JIANGQIAO_PRIVATE_ROOT = str(tmp_path / "private")
    device = second_factor.device_create(user=world.auditor, confirmed=True, key=SECRET)
    current = settings.FIELD_ENCRYPTION_KEY
    before = raw(TOTPSecret, "key", device.pk)
    rotating = {
        "FIELD_ENCRYPTION_KEY": NEW,
        "FIELD_ENCRYPTION_OLD_KEYS": [current],
        "FIELD_INDEX_KEY": current,
    }
    with override_settings(**rotating):
        call_command("rotate_field_key", stdout=StringIO())
    after = raw(TOTPSecret, "key", device.pk)
    assert after != before
    with override_settings(**{**rotating, "FIELD_ENCRYPTION_OLD_KEYS": []}):
        assert crypto.decrypt_with_key_index(after) == (SECRET, 0)
        assert SealedTOTPDevice.objects.get(pk=device.pk).bin_key == bytes.fromhex(SECRET)
