"""站内消息 and 审批事项: every signed-in person's own messages and the approvals that wait for him."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jiangqiao.core import approvals, notifications
from jiangqiao.core.choices import ApprovalStatus
from jiangqiao.core.exceptions import BusinessError


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = notifications.notification_list(user=request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notification_list.html",
        {"title": "我的消息", "page": page, "unread_only": unread_only},
    )


@login_required
def notification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the recipient: anyone else's message answers 404 like any out-of-scope row.
    obj = get_object_or_404(notifications.notification_list(user=request.user), pk=pk)
    notifications.notification_mark_read(user=request.user, notification=obj)
    return render(request, "core/notification_detail.html", {"title": obj.title, "object": obj})


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.notification_mark_all_read(user=request.user)
    messages.success(request, f"已将 {count} 条消息标为已读")
    return redirect("core:notification_list")


@login_required
def approval_list(request: HttpRequest) -> HttpResponse:
    from jiangqiao.core.filtersets import ApprovalFilterSet

    data = request.GET.copy()
    data.setdefault("status", ApprovalStatus.PENDING)
    filterset = ApprovalFilterSet(
        data,
        queryset=approvals.approval_list(user=request.user).select_related(
            "requested_by", "decided_by"
        ),
        request=request,
    )
    # A state or kind that does not exist shows nothing rather than everything.
    qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    status = data.get("status", "")
    kind = data.get("kind", "") if "kind" not in filterset.errors else ""
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    for row in page:
        row.kind_label = _kind_label(row.kind)  # type: ignore[attr-defined]
    return render(
        request,
        "core/approval_list.html",
        {
            "title": "审批事项",
            "page": page,
            "status": status,
            "statuses": ApprovalStatus.choices,
            "kind": kind,
            "kind_label": _kind_label(kind) if kind else "",
        },
    )


@login_required
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(approvals.approval_list(user=request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        note = request.POST.get("decision_note", "").strip()
        try:
            if action in ("approve", "reject"):
                approvals.approval_decide(
                    actor=request.user, request=obj, approve=action == "approve", note=note
                )
                messages.success(request, "已批准并执行" if action == "approve" else "已驳回")
            elif action == "cancel":
                approvals.approval_cancel(actor=request.user, request=obj)
                messages.success(request, "已撤回")
            else:
                raise BusinessError("操作参数不正确")
        except BusinessError as exc:
            messages.error(request, exc.message)
            return render(
                request,
                "core/approval_detail.html",
                _detail_context(request, obj, note=note),
                status=400,
            )
        return redirect(obj.get_absolute_url())
    return render(request, "core/approval_detail.html", _detail_context(request, obj))


def _detail_context(request: HttpRequest, obj: Any, note: str = "") -> dict[str, Any]:
    obj.refresh_from_db()
    kind = approvals.KINDS.get(obj.kind)
    return {
        "title": obj.title,
        "object": obj,
        "kind_label": _kind_label(obj.kind),
        "details": kind.describe(obj) if kind else [],
        "can_decide": approvals.can_decide(request.user, obj),
        "can_cancel": obj.is_pending and obj.requested_by_id == request.user.pk,
        "note": note,
    }


def _kind_label(code: str) -> str:
    kind = approvals.KINDS.get(code)
    return kind.label if kind else code


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """消息接收设置: which channels besides the inbox, with the address each one needs."""
    from jiangqiao.core.forms import NotificationPreferenceForm

    pref = notifications.preference_for(user=request.user)
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST)
        if form.is_valid():
            try:
                notifications.preference_update(actor=request.user, **form.cleaned_data)
            except BusinessError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "消息接收设置已保存")
                return redirect("core:notification_settings")
        status = 400
    else:
        form = NotificationPreferenceForm(
            initial={
                "by_email": pref.by_email,
                "by_sms": pref.by_sms,
                "by_wechat": pref.by_wechat,
                "mobile": pref.mobile,
                "wechat_openid": pref.wechat_openid,
            }
        )
        status = 200
    return render(
        request,
        "core/notification_settings.html",
        {"form": form, "title": "消息接收设置", "email": getattr(request.user, "email", "")},
        status=status,
    )
