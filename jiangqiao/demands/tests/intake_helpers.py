"""Helpers of the 企业自助注册 and 联络员代录 tests: read the code the SMS interface sent."""

from __future__ import annotations

import re
from typing import Any

from django.test import TestCase

CODE_IN_SMS = re.compile(r"验证码(\d{6})")


def sent_codes(case: TestCase, action: Any) -> tuple[Any, list[str]]:
    """Run ``action`` (after its transaction commits) and return its result and the codes the
    SMS provider interface (``core.channels.LoggingSmsBackend``) was asked to send."""
    with (
        case.assertLogs("jiangqiao.notify", level="INFO") as logs,
        case.captureOnCommitCallbacks(execute=True),
    ):
        result = action()
    codes = [m.group(1) for line in logs.output for m in CODE_IN_SMS.finditer(line)]
    return result, codes


def wrong(code: str) -> str:
    """A six-digit code that differs from ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"
