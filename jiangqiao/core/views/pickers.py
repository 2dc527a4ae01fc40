"""The one search endpoint of the object pickers (:mod:`jiangqiao.core.pickers`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiangqiao.core.pickers import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_LENGTH, PICKERS

RESULTS_TEMPLATE = "core/_object_picker_results.html"


@require_GET
def picker(request: HttpRequest) -> HttpResponse:
    """HTML fragment of the rows of ``kind`` whose name contains ``q``, within the user's scope.

    Parameters: ``kind`` (a registered picker kind), ``q``, ``limit`` (1–30). Rows come only from
    ``visible_to(user, "view")``; a user without the view permission gets an empty list.
    """
    if not request.user.is_authenticated:
        return render(
            request, RESULTS_TEMPLATE, {"error": "登录已失效，请重新登录后再选择。"}, status=403
        )
    kind = PICKERS.get(request.GET.get("kind", ""))
    if kind is None:
        return render(request, RESULTS_TEMPLATE, {"error": "未知的选择类型"}, status=400)
    q = (request.GET.get("q") or "").strip()
    context: dict[str, Any] = {"kind_label": kind.verbose, "q": q}
    if len(q) > MAX_QUERY_LENGTH:
        context["error"] = f"检索内容过长（最多 {MAX_QUERY_LENGTH} 个字）。"
        return render(request, RESULTS_TEMPLATE, context, status=400)
    raw_limit = request.GET.get("limit") or ""
    limit = (
        int(raw_limit)
        if raw_limit.isascii() and raw_limit.isdigit() and len(raw_limit) < 4
        else DEFAULT_LIMIT
    )
    limit = max(1, min(limit, MAX_LIMIT))
    if not q and not kind.browse:
        context["results"] = []
        return render(request, RESULTS_TEMPLATE, context)
    rows = kind.search_rows(request.user, q, limit)
    depth = kind.extra.get("depth")
    results = []
    base_depth = min((depth(r) for r in rows), default=0) if depth and not q else 0
    for row in rows:
        item = kind.describe(row)
        if depth and not q:
            item["indent"] = "　" * (depth(row) - base_depth)
        results.append(item)
    context["results"] = results
    return render(request, RESULTS_TEMPLATE, context)
