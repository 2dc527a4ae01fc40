"""Hooks that keep the stored vectors in step with profile and demand edits.

After a transaction that saved craftsmen, their service items or demands commits, one task is
enqueued with the ids collected in that transaction (the demo creates hundreds in one
transaction: one task encodes them in batches). The task re-encodes only the texts whose hash
changed. Nothing here is business logic: if the task never runs, the index encodes the changed
items itself on its next sync.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

#: Sent inside the transaction of a confirmation (page, API, a run's batch, an automatic
#: reassignment) with ``suggestion`` and ``actor``: the service casework turns it into an offer
#: to the craftsman. A receiver that raises rolls the confirmation back.
suggestion_confirmed = Signal()

logger = logging.getLogger(__name__)

_pending = threading.local()


def _bucket() -> dict[str, set[int]]:
    bucket = getattr(_pending, "ids", None)
    if bucket is None:
        bucket = {"craftsmen": set(), "demands": set()}
        _pending.ids = bucket
    return bucket


def _flush() -> None:
    bucket = _bucket()
    craftsmen, demands = sorted(bucket["craftsmen"]), sorted(bucket["demands"])
    bucket["craftsmen"].clear()
    bucket["demands"].clear()
    if not craftsmen and not demands:
        return
    from .tasks import refresh_embeddings

    try:
        refresh_embeddings.enqueue(craftsmen, demands)
    except Exception:  # the queue being down must never break a save
        logger.exception("could not enqueue the embedding refresh")


def _mark(kind: str, pk: Any) -> None:
    if pk is None:
        return
    _bucket()[kind].add(int(pk))
    transaction.on_commit(_flush)


def _craftsman_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _mark("craftsmen", instance.pk)


def _item_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _mark("craftsmen", instance.craftsman_id)


def _demand_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _mark("demands", instance.pk)


def connect() -> None:
    from jiangqiao.demands.models import Demand
    from jiangqiao.talents.models import Craftsman, ServiceItem

    post_save.connect(_craftsman_saved, sender=Craftsman, dispatch_uid="matching_craftsman_saved")
    post_save.connect(_item_changed, sender=ServiceItem, dispatch_uid="matching_item_saved")
    post_delete.connect(_item_changed, sender=ServiceItem, dispatch_uid="matching_item_deleted")
    post_save.connect(_demand_saved, sender=Demand, dispatch_uid="matching_demand_saved")
