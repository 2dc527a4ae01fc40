"""Reads of the exchange app, always through the data-scope chokepoint."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, QuerySet

from jiangqiao.core.models import ChangeLog

from .models import ExchangeBatch, ExchangePeer


def batch_list(*, user: Any) -> QuerySet[ExchangeBatch]:
    return ExchangeBatch.objects.visible_to(user, "view").select_related("org", "created_by")


def cursor_now() -> int:
    """The last commit-order position of the change log (what an export now would reach, less
    the rows not sealed yet); read only — the export itself seals first."""
    return int(ChangeLog.objects.aggregate(m=Max("chain_seq"))["m"] or 0)


def peer_list(*, user: Any) -> QuerySet[ExchangePeer]:
    return ExchangePeer.objects.visible_to(user, "view").select_related("run_as", "org")
