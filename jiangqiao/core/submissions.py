"""Submitting a page form once: a one-time token issued with the form (issue 14, point 4).

Every page that creates something (the generic create view, the phone demand form, the
import commit, …) renders a hidden ``form_token`` issued by :func:`token_new`: signed, bound
to the user, valid ``TOKEN_TTL``. On POST the view calls :func:`submit_once`, which

1. takes the token (a ``FormSubmission`` row, unique per user and token) *before* the action
   runs, so two concurrent POSTs of the same page cannot both create;
2. runs the action (a service call) and stores the URL of what it created;
3. answers a repeat of the token — a double click, a reload of the POST, back and resubmit —
   with that URL (the view redirects there and says “该表单已提交过”) instead of creating again.

A failed action (a business error, bad input) gives the token back, so the user corrects the
form and submits the same page again. A token that is forged, expired or another user's is
refused with :data:`STALE_MESSAGE` (the view renders the form again with a fresh token).

Views answer a successful POST with a redirect (post/redirect/get): a success page is always a
GET, so reloading it changes nothing. A POST with no token at all (an old client, a test) is
not protected; API clients use the ``Idempotency-Key`` header instead (docs/api.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiangqiao.core.exceptions import BusinessError

T = TypeVar("T")

#: The name of the hidden input carrying the token.
TOKEN_FIELD = "form_token"  # noqa: S105 (a field name, not a secret)
#: How long a page may stay open before its token expires (and how long replays are answered).
TOKEN_TTL = timedelta(hours=24)
_SALT = "jiangqiao.core.form-token"

STALE_MESSAGE = (
    "该页面已过期或不属于当前账号（为防止重复提交，页面有效期 24 小时），请核对内容后重新提交"
)
REPLAYED_MESSAGE = "该表单已提交过，未重复创建"
PENDING_MESSAGE = "该表单正在提交，请勿重复点击；稍后刷新页面查看结果"


def token_new(*, user: Any) -> str:
    """A fresh one-time token for a form shown to ``user``."""
    return signing.dumps({"u": user.pk, "n": secrets.token_urlsafe(16)}, salt=_SALT)


def token_key(*, user: Any, token: str) -> str:
    """The key of ``token``; ``BusinessError`` if it is forged, expired or another user's."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=TOKEN_TTL)
    except signing.BadSignature:  # includes SignatureExpired
        raise BusinessError(STALE_MESSAGE, field=TOKEN_FIELD) from None
    if not isinstance(payload, dict) or payload.get("u") != user.pk or not payload.get("n"):
        raise BusinessError(STALE_MESSAGE, field=TOKEN_FIELD)
    return str(payload["n"])[:64]


def token_from(data: Any) -> str:
    """The token posted with a form (``""`` if none)."""
    return str(data.get(TOKEN_FIELD, "") or "").strip()


def submitted_url(*, user: Any, token: str) -> str | None:
    """Where an earlier use of ``token`` led: ``None`` if it is unused (or invalid — the action
    path reports that), ``""`` while the first POST is still running."""
    from jiangqiao.core.models import FormSubmission

    if not token:
        return None
    try:
        key = token_key(user=user, token=token)
    except BusinessError:
        return None
    row = (
        FormSubmission.objects.filter(
            user=user, key=key, created_at__gte=timezone.now() - TOKEN_TTL
        )
        .only("url")
        .first()
    )
    return None if row is None else row.url


@dataclass(frozen=True)
class Submission(Generic[T]):
    """What :func:`submit_once` did: ``result`` of the action the first time; ``replayed`` with
    the ``url`` of the first result (``""`` while it is still running) on a repeat."""

    result: T | None
    url: str
    replayed: bool


def submit_once(
    *, user: Any, token: str, action: Callable[[], T], url_of: Callable[[T], str]
) -> Submission[T]:
    """Run ``action`` once per ``token``; see the module docstring.

    ``url_of(result)`` is the page a repeat is sent to (usually the created object's). Errors of
    ``action`` propagate after the token is given back; an invalid token raises ``BusinessError``
    with ``field=TOKEN_FIELD``.
    """
    from jiangqiao.core.models import FormSubmission

    key = token_key(user=user, token=token)
    FormSubmission.objects.filter(user=user, created_at__lt=timezone.now() - TOKEN_TTL).delete()
    try:
        with transaction.atomic():
            claim = FormSubmission.objects.create(user=user, key=key)
    except IntegrityError:
        earlier = FormSubmission.objects.filter(user=user, key=key).only("url").first()
        return Submission(result=None, url=earlier.url if earlier else "", replayed=True)
    try:
        result = action()
    except BaseException:
        FormSubmission.objects.filter(pk=claim.pk).delete()
        raise
    url = url_of(result)
    FormSubmission.objects.filter(pk=claim.pk).update(url=url[:500])
    return Submission(result=result, url=url, replayed=False)
