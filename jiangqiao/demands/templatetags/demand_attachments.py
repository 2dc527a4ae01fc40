"""``{% demand_attachments object %}``: the 附件 card of a demand page (demands/_attachments.html);
``{% demand_attachments object read_only=True %}`` the same files without 上传/删除 (the offer page)."""

from __future__ import annotations

from typing import Any

from django import template

from jiangqiao.core.uploads import human_size

register = template.Library()


@register.inclusion_tag("demands/_attachments.html", takes_context=True)
def demand_attachments(context: Any, demand: Any, read_only: bool = False) -> dict[str, Any]:
    from jiangqiao.demands.views_attachments import attachment_context

    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "staff_view": request.user.has_perm("demands.triage_demand"),
        **attachment_context(request.user, demand, read_only=read_only),
    }


@register.filter
def file_size(value: Any) -> str:
    return human_size(int(value or 0))
