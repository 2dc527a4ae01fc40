"""One JSON object per log line (``JIANGQIAO_LOG_JSON=1``), for a log collector.

Every line carries the time, level, logger and message, and — inside a request or a job — the
request id and the acting user's id (never a name). The access line of ``core.metrics`` adds the
route (view name), method, status and duration in milliseconds.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.utils.functional import empty

from . import context

#: Attributes of the access line (``extra=``) copied into the JSON object when present.
EXTRA_FIELDS = ("route", "method", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        user_id = getattr(record, "user_id", None)
        ctx = context.current()
        if ctx is not None:
            request_id = request_id or str(ctx.request_id)
            if user_id is None:
                user = _loaded_user(ctx)
                if user is not None and getattr(user, "is_authenticated", False):
                    user_id = user.pk
        if request_id:
            data["request_id"] = request_id
        if user_id is not None:
            data["user_id"] = user_id
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def _loaded_user(ctx: context.AuditContext) -> Any:
    """The context's user if already loaded: formatting a line never queries the database."""
    if ctx.explicit_user is not None:
        return ctx.explicit_user
    user = getattr(ctx.request, "user", None) if ctx.request is not None else None
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user
