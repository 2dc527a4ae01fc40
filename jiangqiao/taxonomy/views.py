"""Pages of the taxonomy app: browse the schemes, one entry, and the picker fragment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.jobs import job_start

from .choices import SCHEMES, Scheme
from .forms import PickerQueryForm, TermBrowseForm
from .models import Term
from .selectors import (
    MAX_QUERY_LENGTH,
    get_term,
    scheme_summaries,
    term_ancestors,
    term_children,
    term_list,
    term_search,
)

#: Rows shown for a search on the browse page.
BROWSE_SEARCH_LIMIT = 100
PICKER_TEMPLATE = "taxonomy/_picker_results.html"


def _child_counts(scheme: str, codes: list[str]) -> dict[str, int]:
    rows = (
        Term.objects.filter(scheme=scheme, is_active=True, parent_code__in=codes)
        .values("parent_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["parent_code"]: row["n"] for row in rows}


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The schemes, or the entries of one scheme level by level, with a search box."""
    form = TermBrowseForm(request.GET or None)
    context: dict[str, Any] = {"title": "参考分类", "summaries": scheme_summaries(), "form": form}
    if form.is_bound and not form.is_valid():
        context["errors"] = [str(e) for errors in form.errors.values() for e in errors]
        return render(request, "taxonomy/index.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    scheme = data.get("scheme") or ""
    if not scheme:
        return render(request, "taxonomy/index.html", context)

    info = SCHEMES[scheme]
    parent_code = (data.get("parent") or "").strip()
    q = (data.get("q") or "").strip()
    parent = get_term(scheme, parent_code) if parent_code else None
    if parent_code and parent is None:
        raise Http404(f"{info.code_noun}“{parent_code}”不存在")
    terms: list[Term]
    if q:
        found = term_list(scheme=scheme, q=q, within=parent.code if parent else None)
        terms = list(found.defer("tasks")[:BROWSE_SEARCH_LIMIT])
    else:
        terms = list(term_children(scheme, parent.code if parent else "").defer("tasks"))
    counts = _child_counts(scheme, [term.code for term in terms])
    for term in terms:
        term.child_count = counts.get(term.code, 0)  # type: ignore[attr-defined]
    context.update(
        {
            "title": info.label,
            "scheme": scheme,
            "info": info,
            "parent": parent,
            "ancestors": term_ancestors(parent) if parent else [],
            "terms": terms,
            "q": q,
            "search_limit": BROWSE_SEARCH_LIMIT,
            "show_code": scheme in (Scheme.INDUSTRY, Scheme.REGION, Scheme.OCCUPATION),
        }
    )
    return render(request, "taxonomy/index.html", context)


@login_required
@require_POST
def reload(request: HttpRequest) -> HttpResponse:
    """Start the background job that reloads every scheme from the shipped files."""
    if not request.user.has_perm("taxonomy.load_reference_data"):
        raise PermissionDenied("您没有重新加载标准代码的权限")
    try:
        job = job_start(actor=request.user, kind="reference_data_load")
    except BusinessError as exc:
        messages.error(request, exc.message)
        return redirect("taxonomy:index")
    return redirect(job.get_absolute_url())


@login_required
@require_GET
def term_detail(request: HttpRequest, scheme: str, code: str) -> HttpResponse:
    """One entry with its description, ancestors and children."""
    if scheme not in SCHEMES:
        raise Http404("未知的分类方案")
    term = get_term(scheme, code)
    if term is None:
        raise Http404(f"{SCHEMES[scheme].code_noun}“{code}”不存在")
    children = list(term_children(scheme, term.code).defer("description", "tasks", "note"))
    context = {
        "title": f"{term.code} {term.name}",
        "term": term,
        "info": SCHEMES[scheme],
        "ancestors": term_ancestors(term),
        "children": children,
        "tag": term.as_tag(),
    }
    return render(request, "taxonomy/term_detail.html", context)


@require_GET
def picker(request: HttpRequest) -> HttpResponse:
    """HTML fragment of search results for :class:`~jiangqiao.taxonomy.widgets.TermPickerWidget`.

    Parameters: ``scheme`` (required), ``q``, ``levels`` (``2,3``), ``parent``, ``within``,
    ``limit`` (1–50). Invalid parameters answer 400 with the message in the fragment.
    """
    if not request.user.is_authenticated:
        return render(
            request, PICKER_TEMPLATE, {"error": "登录已失效，请重新登录后再选择。"}, status=403
        )
    form = PickerQueryForm(request.GET)
    if not form.is_valid():
        errors = [str(e) for errors in form.errors.values() for e in errors]
        return render(request, PICKER_TEMPLATE, {"error": "；".join(errors)}, status=400)
    data = form.cleaned_data
    scheme = data["scheme"]
    q = (data.get("q") or "").strip()
    context: dict[str, Any] = {
        "scheme": scheme,
        "scheme_label": SCHEMES[scheme].label,
        "q": q,
        "show_code": scheme in (Scheme.INDUSTRY, Scheme.REGION, Scheme.OCCUPATION),
    }
    if len(q) > MAX_QUERY_LENGTH:
        context["error"] = f"检索内容过长（最多 {MAX_QUERY_LENGTH} 个字）。"
        return render(request, PICKER_TEMPLATE, context)
    context["results"] = term_search(
        scheme=scheme,
        q=q,
        limit=data.get("limit") or 10,
        level=data.get("levels") or None,
        parent=data.get("parent") or None,
        within=data.get("within") or None,
        prefer=_home_prefix(request.user) if scheme == Scheme.REGION else None,
    )
    return render(request, PICKER_TEMPLATE, context)


def _home_prefix(user: Any) -> str | None:
    """The user's province (two GB/T 2260 digits), ranked first among same-named places."""
    org = getattr(user, "org", None)
    code = getattr(org, "region_code", "") or ""
    return code[:2] if len(code) >= 2 and code[:2] != "00" else None
