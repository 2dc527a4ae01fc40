"""Errors that services raise; views and the API turn them into Chinese messages (never a 500)."""

from __future__ import annotations


class BusinessError(Exception):
    """A business rule forbids the action. ``field`` names the offending field, if any."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
