"""The purge job removes exactly what is past its retention period; a dry run changes nothing."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.management import call_command
from django.utils import timezone

from jiangqiao.core import retention
from jiangqiao.core.models import OperationLog
from jiangqiao.privacy import services
from jiangqiao.privacy.choices import RequestKind
from jiangqiao.privacy.models import DataSubjectRequest
from jiangqiao.talents import services as talent_services
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.services import ERASED_NAME

from .helpers import PrivacyWorld

ONLY = ("dsr_exports", "dsr_records", "removed_craftsmen")


class RetentionTests(PrivacyWorld):
    def setUp(self) -> None:
        super().setUp()
        start = timezone.now()
        with time_machine.travel(start - dt.timedelta(days=40)):
            self.old_copy = services.request_submit(actor=self.user_a, kind=RequestKind.ACCESS)
        with time_machine.travel(start - dt.timedelta(days=10)):
            self.new_copy = services.request_submit(actor=self.user_b, kind=RequestKind.ACCESS)
        with time_machine.travel(start - dt.timedelta(days=4 * 365)):
            self.gone = talent_services.craftsman_set_status(
                actor=self.world.city_admin_a, craftsman=self.a, status="removed", reason="调离"
            )
        with time_machine.travel(start - dt.timedelta(days=365)):
            self.recent = talent_services.craftsman_set_status(
                actor=self.world.city_admin_a, craftsman=self.b, status="removed", reason="调离"
            )

    def state(self) -> tuple:
        return (
            bool(DataSubjectRequest.objects.get(pk=self.old_copy.pk).export_data),
            bool(DataSubjectRequest.objects.get(pk=self.new_copy.pk).export_data),
            Craftsman.objects.get(pk=self.a.pk).name,
            Craftsman.objects.get(pk=self.b.pk).name,
        )

    def test_dry_run_counts_and_changes_nothing(self) -> None:
        before = self.state()
        logs = OperationLog.objects.count()
        counts = {o.code: o.count for o in retention.run(dry_run=True, only=ONLY)}
        self.assertEqual(counts, {"dsr_exports": 1, "dsr_records": 0, "removed_craftsmen": 1})
        self.assertEqual(self.state(), before)
        self.assertEqual(OperationLog.objects.count(), logs)

    def test_purge_removes_exactly_what_is_past_its_period(self) -> None:
        counts = {o.code: o.count for o in retention.run(only=ONLY)}
        self.assertEqual(counts, {"dsr_exports": 1, "dsr_records": 0, "removed_craftsmen": 1})
        self.assertEqual(self.state(), (False, True, ERASED_NAME, "李秘密"))
        erased = Craftsman.objects.get(pk=self.a.pk)
        self.assertEqual((erased.id_number, erased.mobile), ("", ""))
        log = OperationLog.objects.filter(business_type="clean", module="个人信息保护").get()
        self.assertIn("个人信息副本", log.action)
        self.assertEqual(log.extra["removed_craftsmen"]["count"], 1)
        # Idempotent: a second run finds nothing and writes no row.
        again = {o.code: o.count for o in retention.run(only=ONLY)}
        self.assertEqual(again, {"dsr_exports": 0, "dsr_records": 0, "removed_craftsmen": 0})
        self.assertEqual(OperationLog.objects.filter(business_type="clean").count(), 1)

    def test_closed_requests_go_after_three_years(self) -> None:
        with time_machine.travel(timezone.now() + dt.timedelta(days=3 * 365 + 1)):
            counts = {o.code: o.count for o in retention.run(only=("dsr_records",))}
        self.assertEqual(counts["dsr_records"], 2)
        self.assertFalse(DataSubjectRequest.objects.exists())

    def test_small_batches_give_the_same_result(self) -> None:
        retention.run(only=ONLY, batch=1)
        self.assertEqual(self.state(), (False, True, ERASED_NAME, "李秘密"))

    def test_the_audit_log_floor_holds(self) -> None:
        rule = {r.code: r for r in retention.rules()}["audit_logs"]
        with self.settings(JIANGQIAO_LOG_RETENTION_DAYS=30):
            self.assertEqual(rule.period(), 180)

    def test_command_dry_run_and_list(self) -> None:
        from io import StringIO

        out = StringIO()
        call_command("purge_expired", "--list", stdout=out)
        self.assertIn("dsr_exports", out.getvalue())
        self.assertIn("audit_logs", out.getvalue())
        out = StringIO()
        call_command("purge_expired", "--dry-run", "--only", *ONLY, stdout=out)
        self.assertIn("将处理 1 条", out.getvalue())
        self.assertEqual(self.state()[0], True)
