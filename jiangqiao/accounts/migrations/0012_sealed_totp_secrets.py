"""TOTP secrets encrypted at rest: ``TOTPSecret`` (an ``EncryptedTextField``) beside django-otp's
device, whose own ``key`` column then holds the marker ``sealed``; existing devices are sealed here
(this needs ``JIANGQIAO_FIELD_ENCRYPTION_KEY`` when there are devices)."""

import django.db.models.deletion
from django.db import migrations, models

import jiangqiao.core.crypto

SEALED_KEY = "sealed"


def seal_keys(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    TOTPSecret = apps.get_model("accounts", "TOTPSecret")
    for device in TOTPDevice.objects.exclude(key=SEALED_KEY).order_by("pk").iterator():
        TOTPSecret.objects.update_or_create(device_id=device.pk, defaults={"key": device.key})
        TOTPDevice.objects.filter(pk=device.pk).update(key=SEALED_KEY)


def unseal_keys(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    TOTPSecret = apps.get_model("accounts", "TOTPSecret")
    for secret in TOTPSecret.objects.order_by("pk").iterator():
        TOTPDevice.objects.filter(pk=secret.device_id).update(key=secret.key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_phone_codes"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="TOTPSecret",
            fields=[
                (
                    "device",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="sealed_secret",
                        serialize=False,
                        to="otp_totp.totpdevice",
                        verbose_name="动态口令设备",
                    ),
                ),
                (
                    "key",
                    jiangqiao.core.crypto.EncryptedTextField(
                        editable=False, verbose_name="动态口令密钥"
                    ),
                ),
            ],
            options={
                "verbose_name": "动态口令密钥",
                "verbose_name_plural": "动态口令密钥",
                "default_permissions": (),
            },
        ),
        migrations.CreateModel(
            name="SealedTOTPDevice",
            fields=[],
            options={
                "verbose_name": "动态口令设备",
                "verbose_name_plural": "动态口令设备",
                "default_permissions": (),
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("otp_totp.totpdevice",),
        ),
        migrations.RunPython(seal_keys, unseal_keys, elidable=False),
    ]
