from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jiangqiao.accounts.models import LoginLog
from jiangqiao.core.models import OperationLog

pytestmark = pytest.mark.django_db


def test_prune_keeps_recent_logs_and_refuses_short_retention(world):
    LoginLog.objects.create(
        username="old", status="success", time=timezone.now() - timedelta(days=200)
    )
    LoginLog.objects.create(username="new", status="success")
    with pytest.raises(CommandError):
        call_command("prune_logs", "--older-than", "30")
    out = io.StringIO()
    call_command("prune_logs", "--older-than", "180", "--dry-run", stdout=out)
    assert "将删除" in out.getvalue() and LoginLog.objects.filter(username="old").exists()
    call_command("prune_logs", "--older-than", "180", stdout=io.StringIO())
    assert list(LoginLog.objects.values_list("username", flat=True)) == ["new"]
    assert OperationLog.objects.filter(business_type="clean").exists()
