"""Pages of 企业自助注册 (public, phone), its confirmation queue (staff, office) and 联络员代录
(staff, phone). Thin: forms check input, ``registration`` and ``assisted`` write."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views import View

from jiangqiao.core.context import client_ip
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.pagination import CappedCountPaginator
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.sensitive import mask
from jiangqiao.core.views.generic import ScopedMixin, SubmitOnceMixin

from . import assisted, registration
from .choices import REGISTRATION_STATUS_COLORS, RegistrationStatus
from .duplicates import DuplicateDemand, confirmed_in
from .forms_intake import AssistedEntryForm, CodeForm, RefuseForm, RegistrationForm
from .models import Demand, EnterpriseRegistration
from .views import _form_error

#: Rows per page of 企业注册审核.
REGISTRATIONS_PER_PAGE = 50
_PAGE_KEY_SALT = "jiangqiao.demands.registration"
#: The session key of the registration this browser just made (its result page reads it).
DONE_SESSION_KEY = "demands.registration_done"


def safe_next(request: HttpRequest, value: str | None) -> str:
    """A ``next`` parameter kept only if it is a path on this site (no open redirect)."""
    value = (value or "").strip()
    if (
        value.startswith("/")
        and not value.startswith("//")
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    ):
        return value
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _login_url(next_url: str) -> str:
    return _with_next(reverse("accounts:login"), next_url)


class RegisterView(View):
    """企业自助注册 (public, one column for a phone): fill in, get the code, register.

    The page carries a signed one-time key: a second POST of the same page (a double click)
    shows the first result instead of registering again.
    """

    template_name = "demands/intake/register.html"

    def _render(
        self, form: RegistrationForm, *, key: str, next_url: str, status: int = 200, sent: str = ""
    ) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "page_key": signing.dumps(key, salt=_PAGE_KEY_SALT),
                "next": next_url,
                "login_url": _login_url(next_url),
                "sent": sent,
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        next_url = safe_next(request, request.GET.get("next"))
        if request.user.is_authenticated:
            return redirect(next_url or reverse("demands:demand_submit"))
        return self._render(RegistrationForm(), key=secrets.token_urlsafe(16), next_url=next_url)

    def post(self, request: HttpRequest) -> HttpResponse:
        next_url = safe_next(request, request.POST.get("next"))
        form = RegistrationForm(request.POST)
        try:
            key = signing.loads(
                request.POST.get("page_key", ""), salt=_PAGE_KEY_SALT, max_age=24 * 3600
            )
        except signing.BadSignature:
            key = None
        if not isinstance(key, str) or not key:
            form.is_valid()
            form.add_error(None, "页面已过期，请核对内容后重新获取验证码")
            return self._render(form, key=secrets.token_urlsafe(16), next_url=next_url, status=400)
        earlier = EnterpriseRegistration.objects.filter(submit_key=key).first()
        if earlier is not None:
            # The same page posted again (a double click): its first result, nothing new. The key
            # is a secret of the page that registered.
            request.session[DONE_SESSION_KEY] = earlier.pk
            return redirect(self._done_url(next_url))
        sent = ""
        if form.is_valid():
            try:
                data = registration.registration_clean(**form.service_data())
                if request.POST.get("action") == "send":
                    registration.registration_send_code(data=data, client=client_ip(request))
                    sent = registration.phone_codes.sent_message(data.mobile)
                else:
                    reg = registration.registration_submit(
                        data=data, code=form.cleaned_data.get("code", ""), submit_key=key
                    )
                    request.session[DONE_SESSION_KEY] = reg.pk
                    return redirect(self._done_url(next_url))
            except BusinessError as exc:
                _form_error(form, exc)
        status = 200 if sent else 400
        return self._render(form, key=key, next_url=next_url, sent=sent, status=status)

    @staticmethod
    def _done_url(next_url: str) -> str:
        return _with_next(reverse("demands:register_done"), next_url)


class RegisterDoneView(View):
    """The registration's result, for the browser that registered (read from its session)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        pk = request.session.get(DONE_SESSION_KEY)
        reg = EnterpriseRegistration.objects.filter(pk=pk).first() if pk else None
        if reg is None:
            return redirect("demands:register")
        next_url = safe_next(request, request.GET.get("next"))
        return render(
            request,
            "demands/intake/register_done.html",
            {
                "message": registration.result_message(reg),
                "username": reg.user.username,
                "login_url": _login_url(next_url or reverse("demands:demand_submit")),
            },
        )


# ----------------------------------------------------------------------------------------------
# The unit's confirmation queue
# ----------------------------------------------------------------------------------------------


class RegistrationListView(ScopedMixin, View):
    """注册审核: the registrations of the user's units, pending first (office page)."""

    model = EnterpriseRegistration

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", RegistrationStatus.PENDING)
        rows = (
            self.get_queryset()
            .select_related("enterprise", "org", "user")
            .order_by("-created_at", "-pk")
        )
        if status in RegistrationStatus.values:
            rows = rows.filter(status=status)
        page_obj = CappedCountPaginator(rows, REGISTRATIONS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        page = list(page_obj.object_list)
        for reg in page:
            reg.mobile_masked = mask("mobile", reg.mobile)  # type: ignore[attr-defined]
            reg.status_color = REGISTRATION_STATUS_COLORS.get(reg.status)  # type: ignore[attr-defined]
        return render(
            request,
            "demands/intake/registration_list.html",
            {
                "title": "企业注册审核",
                "rows": page,
                "page_obj": page_obj,
                "status": status,
                "statuses": RegistrationStatus.choices,
                "can_decide": self.perm("change"),
                "refuse_form": RefuseForm(),
            },
        )


class RegistrationDetailView(ScopedMixin, View):
    model = EnterpriseRegistration

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        reg = self.get_object()
        reg.mobile_masked = mask("mobile", reg.mobile)
        reg.status_color = REGISTRATION_STATUS_COLORS.get(reg.status)
        return render(
            request,
            "demands/intake/registration_detail.html",
            {
                "title": str(reg),
                "reg": reg,
                "can_decide": self.perm("change") and reg.status == RegistrationStatus.PENDING,
                "refuse_form": RefuseForm(),
            },
        )


class RegistrationDecideView(ScopedMixin, View):
    """POST ``action=approve`` or ``action=refuse`` (with ``reason``)."""

    model = EnterpriseRegistration
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        reg = self.get_object()
        back = request.POST.get("back") == "list"
        try:
            if request.POST.get("action") == "approve":
                registration.registration_approve(actor=request.user, registration=reg)
                messages.success(request, "已确认该注册申请")
            else:
                registration.registration_refuse(
                    actor=request.user, registration=reg, reason=request.POST.get("reason", "")
                )
                messages.success(request, "已拒绝该注册申请")
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        if back:
            return redirect("demands:registration_list")
        return redirect(reg.get_absolute_url())


# ----------------------------------------------------------------------------------------------
# 联络员代录
# ----------------------------------------------------------------------------------------------


class AssistMixin(ScopedMixin):
    model = Demand

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not request.user.has_perm("demands.assist_demand"):
            raise PermissionDenied("您没有走访代录需求的权限")
        return super().dispatch(request, *args, **kwargs)


class AssistedEntryView(SubmitOnceMixin, AssistMixin, View):
    """走访代录 on a phone: the draft is written once per page, then the code goes out."""

    action = "add"

    def _render(
        self, form: AssistedEntryForm, status: int = 200, duplicate: Any = None
    ) -> HttpResponse:
        return render(
            self.request,
            "demands/intake/assisted_entry.html",
            {
                "form": form,
                "form_token": self.form_token,
                "title": "走访代录需求",
                "duplicate": duplicate,
            },
            status=status,
        )

    def replay_fallback_url(self) -> str:
        return reverse("demands:assisted_entry")

    def get(self, request: HttpRequest) -> HttpResponse:
        self.issue_form_token()
        return self._render(AssistedEntryForm(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        if (earlier := self.earlier_submission()) is not None:
            return earlier
        form = AssistedEntryForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                done = self.create_once(
                    lambda: assisted.assisted_create(
                        actor=request.user,
                        duplicate_confirmed=confirmed_in(request.POST),
                        **form.service_kwargs(),
                    ),
                    lambda demand: reverse("demands:assisted_confirm", args=[demand.pk]),
                )
            except DuplicateDemand as exc:  # like an open demand of the enterprise: shown first
                return self._render(form, status=400, duplicate=exc)
            except (BusinessError, ScopeViolation, ValidationError) as exc:
                _form_error(form, exc)
            else:
                if done.replayed or done.result is None:
                    return self.replayed(done.url)
                try:
                    masked = assisted.assisted_send_code(
                        actor=request.user, demand=done.result, client=client_ip(request)
                    )
                    messages.success(request, f"已保存为草稿，验证码已发送至 {masked}")
                except BusinessError as exc:
                    messages.warning(request, f"已保存为草稿；{exc.message}")
                return redirect(done.url)
        return self._render(form, status=400)


class AssistedConfirmView(AssistMixin, View):
    """The contact reads the code out; the staff member types it: the demand is submitted."""

    action = "change"

    def _render(self, demand: Demand, form: CodeForm, status: int = 200) -> HttpResponse:
        contact = demand.intake_contact
        return render(
            self.request,
            "demands/intake/assisted_confirm.html",
            {
                "title": "企业确认代录需求",
                "demand": demand,
                "form": form,
                "contact_name": contact.name if contact else "",
                "mobile_masked": mask("mobile", contact.mobile) if contact else "",
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        demand = self.get_object()
        if demand.intake_confirmed_at is not None:
            return redirect("demands:assisted_done", pk=demand.pk)
        return self._render(demand, CodeForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        demand = get_object_or_404(self.get_queryset().select_related("intake_contact"), pk=pk)
        if demand.intake_confirmed_at is not None:
            messages.info(request, "该需求已由企业确认并提交")
            return redirect("demands:assisted_done", pk=demand.pk)
        form = CodeForm(request.POST)
        form.is_valid()
        try:
            if request.POST.get("action") == "resend":
                masked = assisted.assisted_send_code(
                    actor=request.user, demand=demand, client=client_ip(request)
                )
                messages.success(request, f"验证码已重新发送至 {masked}")
                return redirect("demands:assisted_confirm", pk=demand.pk)
            assisted.assisted_confirm(
                actor=request.user, demand=demand, code=form.cleaned_data.get("code", "")
            )
        except (BusinessError, ScopeViolation, ValidationError) as exc:
            _form_error(form, exc)
            return self._render(demand, form, status=400)
        return redirect("demands:assisted_done", pk=demand.pk)


class AssistedDoneView(AssistMixin, View):
    """After the contact's code: staff wording (已代企业提交需求), the number, back to 走访代录.
    The enterprise's own “需求已提交” page speaks to the enterprise; this one to the staff."""

    action = "view"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        demand = get_object_or_404(self.get_queryset().select_related("intake_contact"), pk=pk)
        if demand.intake_confirmed_at is None:
            return redirect("demands:assisted_confirm", pk=demand.pk)
        contact = demand.intake_contact
        return render(
            request,
            "demands/demand_submitted.html",
            {
                "demand": demand,
                "assisted": True,
                "contact_name": contact.name if contact else "",
                "title": "已代企业提交需求",
            },
        )
