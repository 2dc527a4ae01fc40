"""Retention rules per data type and the purge job that applies them (PIPL art. 19, 47 (2)).

Each app registers the rules for the data it owns (``register`` in its ``AppConfig.ready``), with
a purge function that deletes or de-identifies, through that app's own code, what is past its
period. ``run`` applies every rule in batches; it is idempotent (a second run finds nothing) and
writes one operation-log row with the counts. ``manage.py purge_expired`` runs it (``--dry-run``
only counts), and so does the daily periodic tick ``retention_purge``.

Periods are in days, overridable per code in ``settings.JIANGQIAO_RETENTION_DAYS`` but never
below a rule's legal floor (the audit logs: 180 days, 网络安全法 art. 21).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

#: ``purge(cutoff, dry_run=..., batch=...) -> number of rows deleted or de-identified``.
PurgeFunc = Callable[..., int]


@dataclass(frozen=True)
class RetentionRule:
    code: str
    label: str  # the data type, in Chinese
    days: int  # default period
    action: str  # what happens after it, in Chinese
    basis: str  # why this period, in Chinese
    purge: PurgeFunc
    floor: int = 0  # the period may never be shorter (a legal minimum)
    setting: str = ""  # a setting that holds the period instead of JIANGQIAO_RETENTION_DAYS

    def period(self) -> int:
        if self.setting:
            days = int(getattr(settings, self.setting, self.days))
        else:
            overrides = getattr(settings, "JIANGQIAO_RETENTION_DAYS", {}) or {}
            days = int(overrides.get(self.code, self.days))
        return max(days, self.floor)


_RULES: dict[str, RetentionRule] = {}


def register(rule: RetentionRule) -> None:
    """Declare a rule (registering the same code again replaces it)."""
    _RULES[rule.code] = rule


def rules() -> list[RetentionRule]:
    return sorted(_RULES.values(), key=lambda r: r.code)


@dataclass
class Outcome:
    code: str
    label: str
    days: int
    cutoff: dt.datetime
    count: int
    error: str = ""


def run(
    *,
    dry_run: bool = False,
    batch: int = 500,
    now: dt.datetime | None = None,
    only: tuple[str, ...] = (),
) -> list[Outcome]:
    """Apply every rule (or those in ``only``); one failing rule does not stop the others."""
    from .choices import BusinessType
    from .operations import record_operation

    now = now or timezone.now()
    out: list[Outcome] = []
    for rule in rules():
        if only and rule.code not in only:
            continue
        days = rule.period()
        cutoff = now - dt.timedelta(days=days)
        try:
            count = int(rule.purge(cutoff, dry_run=dry_run, batch=max(1, batch)))
        except Exception as exc:  # logged and reported; the next run tries again
            logger.exception("留存期限清理 %s 失败", rule.code)
            out.append(Outcome(rule.code, rule.label, days, cutoff, 0, str(exc)[:200]))
            continue
        out.append(Outcome(rule.code, rule.label, days, cutoff, count))
    if not dry_run and any(o.count or o.error for o in out):
        with transaction.atomic():
            record_operation(
                actor=None,
                module="个人信息保护",
                business_type=BusinessType.CLEAN,
                action="按留存期限清理个人信息："
                + "，".join(f"{o.label} {o.count} 条" for o in out if o.count or o.error),
                extra={o.code: {"count": o.count, "days": o.days, "error": o.error} for o in out},
            )
    return out


def tick() -> dict[str, int]:
    """The daily periodic run."""
    return {o.code: o.count for o in run()}


def in_batches(ids: list[Any], batch: int) -> list[list[Any]]:
    return [ids[i : i + batch] for i in range(0, len(ids), batch)]
