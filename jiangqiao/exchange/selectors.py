"""Reads of the exchange app, always through the data-scope chokepoint."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import ExchangeBatch


def batch_list(*, user: Any) -> QuerySet[ExchangeBatch]:
    return ExchangeBatch.objects.visible_to(user, "view").select_related("org", "created_by")
