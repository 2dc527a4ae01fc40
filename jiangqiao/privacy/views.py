"""Pages of the privacy app: the person's “我的个人信息” and the staff's request workflow."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.views.generic import ObjectListView, ScopedMixin
from jiangqiao.talents.choices import ConsentPurpose

from . import selectors, services
from .choices import ANSWER_DAYS, EXPORT_KEEP_DAYS, REQUEST_STATUS_COLORS, RequestKind
from .filtersets import DataSubjectRequestFilterSet
from .forms import AnswerForm, CorrectionForm, DeletionForm
from .models import DataSubjectRequest
from .tables import DataSubjectRequestTable


def _shown(field: str, value: str) -> str:
    """A requested value as staff read it (a choice by its label)."""
    from jiangqiao.talents.choices import Gender

    if field == "gender" and value in Gender.values:
        return str(Gender(value).label)
    return value


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or exc)


# ------------------------------------------------------------------------------------------------
# The person's side (phone-first)
# ------------------------------------------------------------------------------------------------


class MyPrivacyView(LoginRequiredMixin, View):
    """“我的个人信息”: consents (withdraw at once), the request buttons and his requests."""

    template_name = "privacy/me.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subject = services.subject_of(request.user)
        context: dict[str, Any] = {
            "title": "我的个人信息",
            "subject": subject,
            "requests": selectors.my_requests(user=request.user)[:50],
            "colors": REQUEST_STATUS_COLORS,
            "answer_days": ANSWER_DAYS,
            "keep_days": EXPORT_KEEP_DAYS,
            "consents": selectors.consents_of(subject.craftsman)
            if subject is not None and subject.craftsman is not None
            else [],
            "registration_consents": selectors.registration_consents_of(request.user),
        }
        return render(request, self.template_name, context)


class MyConsentView(LoginRequiredMixin, View):
    """POST: the craftsman withdraws (or gives again) one of his consents himself."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from jiangqiao.talents import services as talent_services

        purpose, op = kwargs["purpose"], kwargs["op"]
        if purpose not in ConsentPurpose.values or op not in ("grant", "withdraw"):
            raise Http404("未知的授权用途")
        subject = services.subject_of(request.user)
        if subject is None or subject.craftsman is None:
            raise Http404("您的账号未关联劳模工匠档案")
        label = ConsentPurpose(purpose).label
        try:
            if op == "withdraw":
                talent_services.consent_withdraw(
                    actor=request.user, craftsman=subject.craftsman, purpose=purpose
                )
                messages.success(request, f"已撤回“{label}”，即时生效")
            else:
                talent_services.consent_grant(
                    actor=request.user, craftsman=subject.craftsman, purpose=purpose
                )
                messages.success(request, f"已同意“{label}”")
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, _message(exc))
        return redirect("privacy:me")


class RequestCreateView(LoginRequiredMixin, View):
    """Submit a request: 查阅复制 (POST only, answered at once), 更正 or 删除 (a form)."""

    template_name = "privacy/request_form.html"

    def _subject(self) -> Any:
        subject = services.subject_of(self.request.user)
        if subject is None:
            raise Http404("您的账号未关联劳模工匠档案或企业联系人")
        return subject

    def _form(self, kind: str, subject: Any, data: Any = None) -> Any:
        if kind == RequestKind.CORRECT:
            return CorrectionForm(data, subject_kind=subject.kind)
        if kind == RequestKind.DELETE:
            return DeletionForm(data)
        raise Http404("未知的申请类型")

    def _render(self, kind: str, form: Any, status: int = 200) -> HttpResponse:
        context = {
            "title": f"申请{RequestKind(kind).label}个人信息",
            "kind": kind,
            "form": form,
            "answer_days": ANSWER_DAYS,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        kind = kwargs["kind"]
        return self._render(kind, self._form(kind, self._subject()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        kind = kwargs["kind"]
        subject = self._subject()
        if kind == RequestKind.ACCESS:
            try:
                services.request_submit(actor=request.user, kind=kind)
            except BusinessError as exc:
                messages.error(request, _message(exc))
            else:
                messages.success(request, f"个人信息副本已生成，请在 {EXPORT_KEEP_DAYS} 天内下载")
            return redirect("privacy:me")
        form = self._form(kind, subject, request.POST)
        if form.is_valid():
            try:
                services.request_submit(
                    actor=request.user,
                    kind=kind,
                    details=form.cleaned_data.get("details", ""),
                    corrections=form.corrections() if kind == RequestKind.CORRECT else None,
                )
            except BusinessError as exc:
                form.add_error(None, _message(exc))
            else:
                messages.success(request, f"已提交，工作人员将在 {ANSWER_DAYS} 天内答复")
                return redirect("privacy:me")
        return self._render(kind, form, status=400)


class ExportDownloadView(LoginRequiredMixin, View):
    """The requester downloads his copy (logged)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        dsr = get_object_or_404(selectors.my_requests(user=request.user), pk=kwargs["pk"])
        try:
            name, blob = services.export_download(actor=request.user, dsr=dsr)
        except BusinessError as exc:
            messages.error(request, _message(exc))
            return redirect("privacy:me")
        response = HttpResponse(blob, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


# ------------------------------------------------------------------------------------------------
# The staff's side
# ------------------------------------------------------------------------------------------------


class RequestListView(ObjectListView):
    model = DataSubjectRequest
    filterset_class = DataSubjectRequestFilterSet
    table_class = DataSubjectRequestTable
    title = "个人信息权利申请"
    exportable = False

    def get_table_queryset(self) -> QuerySet[Any]:
        return selectors.request_queue(user=self.request.user)


class RequestDetailView(ScopedMixin, View):
    model = DataSubjectRequest
    template_name = "privacy/request_detail.html"

    def _render(self, dsr: DataSubjectRequest, form: Any, status: int = 200) -> HttpResponse:
        labels = services.CORRECTABLE.get(dsr.subject_kind, {})
        context = {
            "title": str(dsr),
            "object": dsr,
            "form": form,
            "colors": REQUEST_STATUS_COLORS,
            "corrections": [
                (labels.get(k, k), _shown(k, v)) for k, v in (dsr.corrections or {}).items()
            ],
            "may_handle": self.request.user.has_perm(services.HANDLE_PERMISSION),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(self.get_object(), AnswerForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        dsr = self.get_object()
        step = kwargs.get("step", "")
        form = AnswerForm(request.POST)
        if not form.is_valid():
            return self._render(dsr, form, status=400)
        answer = form.cleaned_data.get("answer", "")
        try:
            if step == "start":
                services.request_start(actor=request.user, dsr=dsr)
                messages.success(request, "已受理")
            elif step == "complete":
                services.request_complete(actor=request.user, dsr=dsr, note=answer)
                messages.success(request, "已办结")
            elif step == "reject":
                services.request_reject(actor=request.user, dsr=dsr, reason=answer)
                messages.success(request, "已拒绝，并已通知申请人")
            else:
                raise Http404("未知的操作")
        except (BusinessError, ScopeViolation) as exc:
            form.add_error(None, _message(exc))
            return self._render(dsr, form, status=400)
        except PermissionDenied:
            raise
        return redirect(dsr.get_absolute_url())
