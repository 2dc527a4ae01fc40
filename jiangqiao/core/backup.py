"""Backups and the restore drill (``manage.py backup`` / ``manage.py restore``; docs/deploy.md).

A backup is a directory:

* ``database.dump`` (PostgreSQL, ``pg_dump`` custom format) or ``database.sqlite3`` (SQLite backup API);
* ``media.tar.gz`` and ``private.tar.gz``: ``MEDIA_ROOT`` and ``JIANGQIAO_PRIVATE_ROOT``;
* ``manifest.json``: the database vendor, the row count of every table, the applied migrations and the
  SHA-256 of every file above.

A restore goes only into an empty database, checks every hash before touching it, and afterwards
compares the row counts with the manifest and decrypts a sample of every encrypted column with the
configured keys — a backup taken under another key set fails here, by name, not at the first page view.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import environ
from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.utils import timezone

from jiangqiao.core import crypto
from jiangqiao.core.keyrotation import encrypted_columns

MANIFEST = "manifest.json"
FORMAT = 1
#: Encrypted values decrypted per column after a restore.
SAMPLE = 20
TREES = {"media.tar.gz": "MEDIA_ROOT", "private.tar.gz": "JIANGQIAO_PRIVATE_ROOT"}


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, in Chinese."""


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    decrypted: int = 0
    problems: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env(config: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if config.get(key):
            env[name] = str(config[key])
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    env["PGDATABASE"] = str(config["NAME"])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"找不到 {name}：请安装与数据库服务器同版本的 PostgreSQL 客户端（Debian：apt install postgresql-client）"
        )
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} 失败：{done.stderr.strip()[:2000]}")


def table_counts(connection: BaseDatabaseWrapper) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - catalogue names
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _migrations(connection: BaseDatabaseWrapper) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [[app, name] for app, name in cursor.fetchall()]


def backup(out: Path, *, using: str = "default") -> dict[str, Any]:
    """Write a backup of the database and the file trees into ``out`` (new or empty)."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"--out：目录 {out} 不是空的，请指定一个新目录")
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"不支持的数据库：{vendor}")
    pg_dump = _tool("pg_dump") if vendor == "postgresql" else ""
    if connection.in_atomic_block:
        raise BackupError("备份不能在事务中进行")
    out.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    if vendor == "postgresql":
        dump = out / "database.dump"
        # The counts and pg_dump read one snapshot, so writes during the backup never make the
        # manifest disagree with the dump.
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = table_counts(connection)
            migrations = _migrations(connection)
            _run(
                [pg_dump, "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(dump)],
                _pg_env(connection.settings_dict),
            )
    else:
        dump = out / "database.sqlite3"
        target = sqlite3.connect(dump)
        try:
            connection.connection.backup(target)  # type: ignore[union-attr]
        finally:
            target.close()
        # Counted in the copy itself: what was copied is what the manifest describes.
        copy = load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper(
            {**connection.settings_dict, "NAME": str(dump)}, alias="backup_copy"
        )
        try:
            counts = table_counts(copy)
            migrations = _migrations(copy)
        finally:
            copy.close()
    for name, setting in TREES.items():
        root = getattr(settings, setting, None)
        with tarfile.open(out / name, "w:gz") as archive:
            if root and Path(root).is_dir():
                archive.add(str(root), arcname=".")
    files = {path.name: _sha256(path) for path in sorted(out.iterdir())}
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "vendor": vendor,
        "tables": counts,
        "migrations": migrations,
        "files": files,
    }
    (out / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )
    return manifest


def read_manifest(src: Path) -> dict[str, Any]:
    """Load the manifest and check every listed file against its hash."""
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"--from：{src} 里没有 {MANIFEST}，不是一个完整的备份")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{MANIFEST} 无法读取：{exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} 的格式版本 {manifest.get('format')!r} 不受支持")
    for name, expected in sorted(manifest.get("files", {}).items()):
        file = src / name
        if Path(name).name != name or not file.is_file():
            raise BackupError(f"备份文件 {name} 缺失")
        if _sha256(file) != expected:
            raise BackupError(f"备份文件 {name} 的 SHA-256 与清单不符：文件已损坏或被改动")
    return manifest


def _config(url: str) -> dict[str, Any]:
    try:
        parsed = environ.Env.db_url_config(url)
    except Exception as exc:  # any unparsable URL
        raise BackupError(f"--database-url：无法识别 {url!r}（{exc}）") from None
    config: dict[str, Any] = {
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {},
        "TIME_ZONE": None,
        "TEST": {},
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
    }
    config.update(parsed)
    return config


@contextmanager
def target_connection(url: str) -> Iterator[BaseDatabaseWrapper]:
    """A private Django connection to the database named by ``url`` (not registered globally)."""
    wrapper = load_backend(_config(url)["ENGINE"]).DatabaseWrapper(
        _config(url), alias=f"restore_{uuid.uuid4().hex[:8]}"
    )
    try:
        yield wrapper
    finally:
        wrapper.close()


def _refuse_non_empty(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise BackupError(
            f"目标数据库不是空的（已有 {len(tables)} 张表，如 {sorted(tables)[0]}）：只能恢复到新建的空数据库"
        )


def _refuse_non_empty_dir(root: Path) -> None:
    if root.is_dir() and any(root.iterdir()):
        raise BackupError(f"文件目录 {root} 不是空的：请先清空或换一个目录再恢复")


def verify(connection: BaseDatabaseWrapper, manifest: dict[str, Any]) -> RestoreReport:
    """Compare row counts with the manifest and decrypt a sample of every encrypted column."""
    report = RestoreReport()
    counts = table_counts(connection)
    expected: dict[str, int] = manifest["tables"]
    report.tables = len(counts)
    report.rows = sum(counts.values())
    for table in sorted(set(expected) | set(counts)):
        if expected.get(table) != counts.get(table):
            report.problems.append(
                f"表 {table} 的行数不符：备份时 {expected.get(table)}，恢复后 {counts.get(table)}"
            )
    quote = connection.ops.quote_name
    unreadable: list[str] = []
    with connection.cursor() as cursor:
        for model, fields in encrypted_columns():
            if model._meta.db_table not in counts:
                continue
            pk = quote(str(model._meta.pk.column))
            for f in fields:
                column = quote(str(f.column))
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {quote(model._meta.db_table)} "  # noqa: S608
                    f"WHERE {column} IS NOT NULL AND {column} <> '' ORDER BY {pk} LIMIT {SAMPLE}"
                )
                for row_pk, token in cursor.fetchall():
                    try:
                        crypto.decrypt(token)
                    except (InvalidTag, ValueError):
                        unreadable.append(f"{model._meta.label} id={row_pk} 字段 {f.name}")
                    else:
                        report.decrypted += 1
    if unreadable:
        report.problems.append(
            f"{len(unreadable)} 个加密字段无法用当前配置的密钥解密（如 {'；'.join(unreadable[:5])}）："
            "这份备份来自另一套字段加密密钥，请配置备份时的 JIANGQIAO_FIELD_ENCRYPTION_KEY"
            "（或放进 JIANGQIAO_FIELD_ENCRYPTION_OLD_KEYS）后再恢复"
        )
    return report


def restore(src: Path, url: str, *, media_root: Path | None = None) -> RestoreReport:
    """Restore the backup in ``src`` into the empty database ``url`` and verify it."""
    manifest = read_manifest(src)
    config = _config(url)
    vendor = "postgresql" if "postgresql" in config["ENGINE"] else "sqlite"
    if "sqlite" not in config["ENGINE"] and vendor != "postgresql":
        raise BackupError(f"--database-url：不支持的数据库 {config['ENGINE']}")
    if vendor != manifest["vendor"]:
        raise BackupError(f"备份来自 {manifest['vendor']}，不能恢复到 {vendor} 数据库")
    roots = {
        name: Path(media_root) / name.split(".")[0]
        if media_root is not None
        else Path(getattr(settings, setting))
        for name, setting in TREES.items()
        if name in manifest["files"]
    }
    for root in roots.values():
        _refuse_non_empty_dir(root)
    with target_connection(url) as connection:
        _refuse_non_empty(connection)
        if vendor == "postgresql":
            pg_restore = _tool("pg_restore")
            connection.close()
            _run(
                [
                    pg_restore,
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "-d",
                    str(config["NAME"]),
                    str(src / "database.dump"),
                ],
                _pg_env(config),
            )
        else:
            connection.close()
            source = sqlite3.connect(src / "database.sqlite3")
            target = sqlite3.connect(config["NAME"])
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        for name, root in roots.items():
            root.mkdir(parents=True, exist_ok=True)
            with tarfile.open(src / name, "r:gz") as archive:
                archive.extractall(root, filter="data")
        return verify(connection, manifest)
