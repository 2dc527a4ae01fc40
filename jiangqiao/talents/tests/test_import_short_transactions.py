"""Issue 12, item 7: on SQLite an import commit must not hold the single write lock for long.

A one-transaction commit held SQLite's write lock from the first row checked to the last row
written (82.7 s for 20,000 rows in bench/write_lock.py), and other users' writes timed out. Now
the file is checked before any write transaction, and the "valid rows" mode writes in short
transactions of ``JIANGQIAO_IMPORT_COMMIT_BATCH_ROWS`` records; the all-or-nothing mode keeps one
transaction, for the writing alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db import connection
from django.test import override_settings

from jiangqiao.core.choices import ImportStatus, MergePolicy
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io import services as io_services
from jiangqiao.core.models import ImportBatch, RecordSource
from jiangqiao.core.testing.sheets import xlsx
from jiangqiao.talents.io import CraftsmanImporter
from jiangqiao.talents.models import Craftsman

from .test_import import HEADER, ImportBase, row

ROWS = 23


@contextmanager
def transactions_writing(table: str) -> Iterator[list[str]]:
    """The outermost transaction (savepoint, under the test's own transaction) of every INSERT
    into ``table``: one entry per INSERT, the same name for INSERTs of the same transaction."""
    seen: list[str] = []
    base = len(connection.savepoint_ids)

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        if sql.lstrip().upper().startswith("INSERT") and f'"{table}"' in sql:
            ids = connection.savepoint_ids
            seen.append(str(ids[base]) if len(ids) > base else "outside")
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(wrapper):
        yield seen


class SqliteImportTestCase(ImportBase):
    def setUp(self) -> None:
        super().setUp()
        if connection.vendor != "sqlite":
            self.skipTest("SQLite's single write lock; PostgreSQL commits in one transaction")

    def upload(self, mode: str, rows: list[list[Any]]) -> ImportBatch:
        user = self.world.city_admin_a
        batch = io_services.import_upload(
            actor=user, spec_key="talents.craftsman", file_name="名单.xlsx", data=xlsx(rows)
        )
        io_services.import_set_options(
            actor=user, batch=batch, mode=mode, policy=MergePolicy.FILL_BLANKS
        )
        io_services.import_check(actor=user, batch=batch)
        self.assertEqual(batch.status, ImportStatus.CHECKED, batch.result)
        return batch


@override_settings(JIANGQIAO_IMPORT_COMMIT_BATCH_ROWS=5, JIANGQIAO_IMPORT_COMMIT_PAUSE=0)
class TestShortTransactions(SqliteImportTestCase):
    def test_valid_rows_are_written_in_short_transactions(self) -> None:
        batch = self.upload("valid", [HEADER, *(row(n) for n in range(1, ROWS + 1))])
        with transactions_writing("talents_craftsman") as inserts:
            io_services.import_commit(actor=self.world.city_admin_a, batch=batch)
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.COMMITTED)
        self.assertEqual(batch.counts["new"], ROWS)
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工").count(), ROWS)
        # One INSERT statement may hold several rows: count transactions, not statements.
        self.assertGreaterEqual(len(set(inserts)), ROWS // 5, inserts)  # was 1 transaction
        self.assertNotIn("outside", inserts)
        self.assertEqual(RecordSource.objects.filter(batch=batch).count(), ROWS)

    def test_the_file_is_checked_before_any_write_transaction(self) -> None:
        for mode in ("valid", "all"):
            with self.subTest(mode=mode):
                Craftsman.objects.filter(name__startswith="李工").delete()
                batch = self.upload(mode, [HEADER, *(row(n) for n in range(1, 4))])
                depth_while_reading: list[int] = []
                base = len(connection.atomic_blocks)

                def progress(
                    done: int,
                    total: int | None = None,
                    message: str = "",
                    depths: list[int] = depth_while_reading,
                    base: int = base,
                ) -> None:
                    if "读取" in message or "检查" in message or "查找重复" in message:
                        depths.append(len(connection.atomic_blocks) - base)

                io_services.import_commit(
                    actor=self.world.city_admin_a, batch=batch, progress=progress
                )
                self.assertTrue(depth_while_reading)
                self.assertEqual(set(depth_while_reading), {0})  # was 1: inside the commit's

    def test_a_failure_in_the_valid_mode_keeps_the_written_transactions_and_a_second_commit_completes(
        self,
    ) -> None:
        sheet = [HEADER, *(row(n) for n in range(1, ROWS + 1))]
        batch = self.upload("valid", sheet)
        original = CraftsmanImporter.write
        calls = {"n": 0}

        def write(self: Any, creates: Any, updates: Any, progress: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("进程被杀")
            original(self, creates, updates, progress)

        with mock.patch.object(CraftsmanImporter, "write", write), self.assertRaises(RuntimeError):
            io_services.import_commit(actor=self.world.city_admin_a, batch=batch)
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工").count(), 10)
        batch.refresh_from_db()
        self.assertNotEqual(batch.status, ImportStatus.COMMITTED)
        again = self.upload("valid", sheet)
        io_services.import_commit(actor=self.world.city_admin_a, batch=again)
        again.refresh_from_db()
        self.assertEqual(again.status, ImportStatus.COMMITTED)
        self.assertEqual(again.counts["new"], ROWS - 10)
        self.assertEqual(again.counts["unchanged"], 10)
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工").count(), ROWS)

    def test_all_or_nothing_leaves_nothing_when_the_write_fails(self) -> None:
        """A guard (passes before and after): the all-or-nothing mode stays one transaction.
        The failure comes after every record is written, inside the commit's transaction."""
        batch = self.upload("all", [HEADER, *(row(n) for n in range(1, ROWS + 1))])
        with (
            mock.patch(
                "jiangqiao.core.io.engine._record_sources",
                side_effect=BusinessError("来源记录写入失败"),
            ),
            self.assertRaises(BusinessError),
        ):
            io_services.import_commit(actor=self.world.city_admin_a, batch=batch)
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工").count(), 0)
        self.assertFalse(RecordSource.objects.filter(batch=batch).exists())

    def test_all_or_nothing_with_an_error_row_writes_nothing(self) -> None:
        sheet = [HEADER, *(row(n) for n in range(1, 6)), row(6, id="123")]
        batch = self.upload("all", sheet)
        with self.assertRaises(BusinessError) as refused:
            io_services.import_commit(actor=self.world.city_admin_a, batch=batch)
        self.assertIn("一条也没有导入", refused.exception.message)
        self.assertEqual(Craftsman.objects.filter(name__startswith="李工").count(), 0)
        batch.refresh_from_db()
        self.assertEqual(batch.result["error_rows"], 1)
