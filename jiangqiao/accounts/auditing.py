"""The periodic integrity check of the audit-log chains, and who is told when one is broken.

Core walks the chains (``core.auditchain``); this app knows the duties (三员分立): a broken chain
is news for the security administrators and the audit administrators, told once per new finding.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from jiangqiao.core import approvals, auditchain
from jiangqiao.core.choices import NotificationLevel
from jiangqiao.core.notifications import notify

from . import duties


def check_audit_chains() -> list[auditchain.Report]:
    """Seal what is left unsealed, verify every chain, store the result, notify the security and
    audit administrators of new problems; returns the reports."""
    auditchain.seal_all()
    reports = auditchain.verify_all()
    news = auditchain.record_check(reports)
    if news:
        recipients: list[Any] = [
            user
            for duty in (duties.Duty.SECURITY, duties.Duty.AUDIT)
            for user in approvals.permission_holders(duties.HOLDER_PERMISSION[duty])
        ]
        lines = [report.summary() for report in news]
        for report in news:
            lines.extend(f"· {p.message}" for p in report.problems[:20])
        notify(
            recipients,
            title="审计日志完整性校验发现问题：" + "、".join(r.label for r in news),
            body="\n".join(lines),
            link=reverse("core:audit_chain"),
            level=NotificationLevel.SECURITY,
        )
    return reports
