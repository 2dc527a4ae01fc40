"""Duplicate checks that match another unit's records ("foreign matches").

A duplicate check looks a record up by a key that is unique across all units — the ID number (its
blind index), name + employer + mobile, the USCC, the demand number, an exchange record's natural
key or source id — so it can find a record outside the user's data scope (not in
``visible_to(user, "view")``). Such a match is answered with :func:`elsewhere` only: the record is
registered in another unit and must be handled there. No name, identifier, owning unit, link,
number or field-by-field comparison; the record is neither merged nor changed.

Even that answer tells the user that the key exists, so every request or import that matches
records of other units

* writes **one** operation-log row of type 查看敏感信息 with the number of records matched
  (:meth:`Hits.log`; never one row per spreadsheet row), and
* counts the distinct records matched against a per-user limit kept in Django's cache:
  ``JIANGQIAO_FOREIGN_MATCH_LIMIT`` records per ``JIANGQIAO_FOREIGN_MATCH_WINDOW_MINUTES``.
  An import with N such rows counts N. The request that goes over the limit is refused as a whole
  (:class:`ProbeLimited`, HTTP 429 on the API) and, until the window ends, every duplicate check of
  that user is refused up front (:func:`guard`) whether or not it would match — otherwise the
  refusal itself would answer. Asking again about a record already counted counts nothing.

The counters live in the ``default`` cache: with several processes (web workers, the task worker)
it must be a shared cache (``JIANGQIAO_CACHE_URL``, Redis in production) for the limit to hold
across them. Concurrent requests of one user may each read the counter before the other writes
it; the limit is a brake on enumeration, not an exact quota.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NoReturn, ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import models

from .choices import BusinessType, OperationStatus
from .exceptions import BusinessError

CACHE_PREFIX = "jiangqiao:foreign-matches:"

P = ParamSpec("P")
R = TypeVar("R")


def elsewhere(noun: str) -> str:
    """The whole answer to a match outside the user's scope (``noun``: 人员, 企业, 需求 …)."""
    return f"该{noun}已在其他单位登记，请联系其所属工会处理"


def limit() -> int:
    """Distinct records of other units one user may match per window."""
    return max(0, int(getattr(settings, "JIANGQIAO_FOREIGN_MATCH_LIMIT", 30)))


def window_seconds() -> int:
    return max(1, int(getattr(settings, "JIANGQIAO_FOREIGN_MATCH_WINDOW_MINUTES", 60))) * 60


def _now() -> float:
    return time.time()


def _cache_key(user: Any) -> str:
    return f"{CACHE_PREFIX}{user.pk}"


def _state(user: Any) -> tuple[float, list[str]]:
    """The end of the user's current window and the records counted in it."""
    state = cache.get(_cache_key(user))
    now = _now()
    if not isinstance(state, dict) or float(state.get("until", 0)) <= now:
        return now + window_seconds(), []
    return float(state["until"]), list(state.get("keys") or [])


def retry_after(user: Any) -> int:
    """Seconds until ``user`` may run duplicate checks again; 0 when not over the limit."""
    if not getattr(user, "is_authenticated", False):
        return 0
    until, keys = _state(user)
    if len(keys) <= limit():
        return 0
    return max(1, math.ceil(until - _now()))


def guard(user: Any) -> None:
    """Refuse any duplicate check while ``user`` is over the limit (``ProbeLimited``)."""
    wait = retry_after(user)
    if wait:
        raise ProbeLimited(wait)


def in_scope(user: Any, model: type[models.Model], pk: Any) -> bool:
    """Whether ``user`` may see the record (the chokepoint, ``view``)."""
    return bool(
        model._default_manager.visible_to(user, "view").filter(pk=pk).exists()  # type: ignore[attr-defined]
    )


def record_key(model: type[models.Model] | models.Model, pk: Any) -> str:
    """What the limiter counts: one record (the same record matched twice counts once)."""
    return f"{model._meta.label_lower}:{pk}"


@dataclass
class Hits:
    """The records of other units one request or import matched (``record_key`` values)."""

    keys: set[str] = field(default_factory=set)
    limited: bool = False
    logged: bool = False

    def add(self, model: type[models.Model] | models.Model, pk: Any) -> None:
        self.keys.add(record_key(model, pk))

    def update(self, keys: Iterable[str]) -> None:
        self.keys.update(keys)

    def __len__(self) -> int:
        return len(self.keys)

    def charge(self, user: Any) -> None:
        """Count the records against the user's limit; ``ProbeLimited`` when it goes over."""
        if not self.keys or not getattr(user, "is_authenticated", False):
            return
        until, seen = _state(user)
        known = set(seen)
        cap = limit()
        for key in sorted(self.keys - known):
            if len(seen) > cap:
                break  # over already: no need to remember more
            seen.append(key)
        cache.set(
            _cache_key(user),
            {"until": until, "keys": seen},
            timeout=max(1, math.ceil(until - _now())),
        )
        if len(seen) > cap:
            self.limited = True
            error = ProbeLimited(max(1, math.ceil(until - _now())))
            error.hits = self
            raise error

    def log(self, actor: Any, *, module: str, what: str, noun: str, target: Any = None) -> None:
        """One 查看敏感信息 row for the request or import: how many records of other units it
        matched and whether that went over the limit (written once, and only if any)."""
        from .operations import record_operation

        if not self.keys or self.logged:
            return
        self.logged = True
        action = f"{what}：与其他单位已登记的{noun}重复 {len(self.keys)} 条（未显示其内容）"
        if self.limited:
            action += "，超过核查上限，已拒绝"
        record_operation(
            actor=actor,
            module=module,
            business_type=BusinessType.VIEW_SENSITIVE,
            action=action,
            target=target,
            status=OperationStatus.FAIL if self.limited else OperationStatus.SUCCESS,
            error=ProbeLimited.text(0) if self.limited else "",
            extra={
                "purpose": "重复核查",
                "hits": len(self.keys),
                "limited": self.limited,
                "limit": limit(),
                "window_minutes": window_seconds() // 60,
            },
        )


class ProbeError(BusinessError):
    """A duplicate check that touched other units' records; ``log`` writes its sensitive read."""

    hits: Hits | None = None
    module: str = ""
    what: str = ""
    noun: str = "记录"

    def log(self, actor: Any) -> None:
        if self.hits is not None:
            self.hits.log(actor, module=self.module, what=self.what, noun=self.noun)


class ProbeLimited(ProbeError):
    """Too many matches with other units' records: the check is refused (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(self.text(retry_after), code="rate_limited")
        self.retry_after = retry_after

    @staticmethod
    def text(retry_after: int) -> str:
        wait = (
            f"请约 {max(1, math.ceil(retry_after / 60))} 分钟后再试"
            if retry_after
            else "请稍后再试"
        )
        return (
            f"您在 {window_seconds() // 60} 分钟内查到与其他单位已登记数据重复的记录已超过 "
            f"{limit()} 条。为防止批量探查其他单位的数据，导入、登记和交换文件导入中的重复核查"
            f"已暂停，{wait}；确需处理请联系上级工会"
        )


class ForeignMatch(ProbeError):
    """A key matches a record outside the user's data scope (HTTP 409, no ``existing_id``)."""

    def __init__(self, message: str, *, field: str | None, hits: Hits) -> None:
        super().__init__(message, field=field, code="foreign")
        self.hits = hits


def refuse_foreign(
    actor: Any,
    obj: models.Model,
    *,
    field: str,
    label: str,
    noun: str,
    module: str,
    what: str,
) -> NoReturn:
    """Answer a match of ``obj`` (outside ``actor``'s scope) found by ``field``: count it, then
    raise ``ForeignMatch`` — or ``ProbeLimited`` if it goes over the limit."""
    hits = Hits()
    hits.add(type(obj), obj.pk)
    try:
        hits.charge(actor)
    except ProbeLimited as exc:
        exc.module, exc.what, exc.noun = module, what, noun
        raise
    error = ForeignMatch(f"{label}：{elsewhere(noun)}", field=field, hits=hits)
    error.module, error.what, error.noun = module, what, noun
    raise error


_depth: ContextVar[int] = ContextVar("foreign_match_depth", default=0)


def logs_foreign_matches(func: Callable[P, R]) -> Callable[P, R]:
    """Put on a service *above* ``transaction.atomic``: a ``ProbeError`` it raises is logged by
    the outermost such service after its transaction has rolled back (inside it, the log row
    would roll back too). The service takes the acting user as ``actor=``."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _depth.set(_depth.get() + 1)
        try:
            return func(*args, **kwargs)
        except ProbeError as exc:
            if _depth.get() == 1:
                exc.log(kwargs.get("actor"))
            raise
        finally:
            _depth.reset(token)

    return wrapper
