"""列设置 (choose, order and reset the columns of a list) — the form is in ``generic/_table.html``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.table_config import table_preference_reset, table_preference_save


@login_required
@require_POST
def table_config(request: HttpRequest) -> HttpResponse:
    table = request.POST.get("table", "")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    try:
        if request.POST.get("reset"):
            table_preference_reset(user=request.user, table=table)
            messages.success(request, "已恢复默认列")
        else:
            table_preference_save(
                user=request.user, table=table, columns=request.POST.getlist("columns")
            )
            messages.success(request, "列设置已保存")
    except BusinessError as exc:
        messages.error(request, exc.message)
    return redirect(target)
