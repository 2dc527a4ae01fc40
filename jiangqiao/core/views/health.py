"""``/healthz`` (no login, statuses and ages only) and ``/metrics`` (allowed addresses or token)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import health
from ..metrics import metrics_view

__all__ = ["healthz", "metrics_view"]


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, body = health.run()
    return JsonResponse(
        body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False}
    )
