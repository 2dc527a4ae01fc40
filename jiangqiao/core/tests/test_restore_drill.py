"""The restore drill: back up the test database, restore it into a fresh empty one, check it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from jiangqiao.core import backup, crypto
from jiangqiao.talents.models import Craftsman

STRANGER = "c3RyYW5nZXIta2V5LXN0cmFuZ2VyLWtleS1zdHJhbmdl"
PEOPLE = {f"演练{i}": (f"11010119800101{i:04d}", f"1390000{i:04d}") for i in range(4)}


def _fresh_url(tmp_path: Path, created: list[str]) -> str:
    """An empty database of the same vendor as the test database."""
    if connection.vendor == "sqlite":
        path = tmp_path / f"restored-{len(created)}.sqlite3"
        created.append(str(path))
        return f"sqlite:///{path}"
    import psycopg

    name = f"jq_drill_{uuid.uuid4().hex[:10]}"
    config = connection.settings_dict
    with psycopg.connect(**_pg_kwargs(config, "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    created.append(name)
    auth = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{auth}@{config['HOST'] or 'localhost'}:{config['PORT'] or 5432}/{name}"


def _pg_kwargs(config: dict, dbname: str) -> dict:
    kwargs = {"dbname": dbname, "user": config["USER"], "host": config["HOST"] or "localhost"}
    if config["PORT"]:
        kwargs["port"] = config["PORT"]
    if config["PASSWORD"]:
        kwargs["password"] = config["PASSWORD"]
    return kwargs


@pytest.fixture
def fresh_databases(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    created: list[str] = []
    yield tmp_path, created
    if connection.vendor == "postgresql":
        import psycopg

        with psycopg.connect(
            **_pg_kwargs(connection.settings_dict, "postgres"), autocommit=True
        ) as admin:
            for name in created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_restore_drill(world, fresh_databases):
    tmp_path, created = fresh_databases
    for name, (id_number, mobile) in PEOPLE.items():
        Craftsman.objects.create(name=name, org=world.county_a1, id_number=id_number, mobile=mobile)
    source_counts = backup.table_counts(connection)
    assert source_counts[Craftsman._meta.db_table] >= len(PEOPLE)
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    marker = media / f"drill-{uuid.uuid4().hex}.txt"
    marker.write_text("演练附件", encoding="utf-8")

    out = tmp_path / "backup"
    try:
        call_command("backup", "--out", str(out), stdout=StringIO())
    finally:
        marker.unlink()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"] == source_counts
    assert ["talents", "0001_initial"] in manifest["migrations"]

    # A backup directory is only written once.
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", "--out", str(out), stdout=StringIO())

    url = _fresh_url(tmp_path, created)
    stdout = StringIO()
    call_command(
        "restore",
        "--from",
        str(out),
        "--database-url",
        url,
        "--media-root",
        str(tmp_path / "files"),
        stdout=stdout,
    )
    assert "核对通过" in stdout.getvalue()
    with backup.target_connection(url) as restored:
        assert backup.table_counts(restored) == source_counts
        table = restored.ops.quote_name(Craftsman._meta.db_table)
        with restored.cursor() as cursor:
            cursor.execute(
                f"SELECT name, id_number, mobile FROM {table} WHERE name LIKE %s",  # noqa: S608
                ["演练%"],
            )
            rows = cursor.fetchall()
    assert {name: (crypto.decrypt(i), crypto.decrypt(m)) for name, i, m in rows} == PEOPLE
    assert (tmp_path / "files" / "media" / marker.name).read_text(encoding="utf-8") == "演练附件"

    # Into a database that is no longer empty: refused.
    with pytest.raises(CommandError, match="目标数据库不是空的"):
        call_command(
            "restore",
            "--from",
            str(out),
            "--database-url",
            url,
            "--media-root",
            str(tmp_path / "other"),
            stdout=StringIO(),
        )

    # Under another key set the drill fails, naming the encrypted field.
    wrong_keys = override_settings(FIELD_ENCRYPTION_KEY=STRANGER, FIELD_INDEX_KEY=STRANGER)
    with wrong_keys, pytest.raises(CommandError, match="另一套字段加密密钥"):
        call_command(
            "restore",
            "--from",
            str(out),
            "--database-url",
            _fresh_url(tmp_path, created),
            "--media-root",
            str(tmp_path / "wrong-key"),
            stdout=StringIO(),
            stderr=StringIO(),
        )


def test_a_changed_backup_file_is_refused_before_anything_is_restored(tmp_path):
    (tmp_path / "media.tar.gz").write_bytes(b"archive")
    manifest = {
        "format": backup.FORMAT,
        "vendor": "sqlite",
        "tables": {},
        "migrations": [],
        "files": {"media.tar.gz": backup._sha256(tmp_path / "media.tar.gz")},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert backup.read_manifest(tmp_path)["vendor"] == "sqlite"
    (tmp_path / "media.tar.gz").write_bytes(b"archivf")
    target = tmp_path / "target.sqlite3"
    with pytest.raises(CommandError, match=r"media\.tar\.gz 的 SHA-256 与清单不符"):
        call_command(
            "restore",
            "--from",
            str(tmp_path),
            "--database-url",
            f"sqlite:///{target}",
            stdout=StringIO(),
        )
    assert not target.exists()
    (tmp_path / "media.tar.gz").unlink()
    with pytest.raises(CommandError, match=r"media\.tar\.gz 缺失"):
        call_command(
            "restore",
            "--from",
            str(tmp_path),
            "--database-url",
            f"sqlite:///{target}",
            stdout=StringIO(),
        )


def test_backup_without_pg_dump_says_so(monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="找不到 pg_dump"):
        backup._tool("pg_dump")
