"""Before anything else can be done: pass the second factor (or enrol one), then change an initial
or expired password."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

#: The second factor's own pages (code, enrolment) sit under the login path: both gates let them by.
SECOND_FACTOR_PREFIX = "/accounts/login/"
EXEMPT_PREFIXES = (
    "/static/",
    "/accounts/logout/",
    "/accounts/password/",
    "/api/schema/",
    "/healthz",
    "/metrics",
    SECOND_FACTOR_PREFIX,
)
#: Browser pages under /api/ (Swagger UI): sent to the password page like any other page.
PAGES_UNDER_API = ("/api/docs/",)


def password_change_required(user: object) -> str | None:
    """Why the user must change the password now, or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "must_change_password", False):
        return "首次登录或密码被重置，请先修改初始密码。"
    max_age = getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0)
    changed_at = getattr(user, "password_changed_at", None)
    if max_age and changed_at and timezone.now() - changed_at > timedelta(days=max_age):
        return f"密码已超过 {max_age} 天未修改，请修改密码。"
    return None


class PasswordPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(EXEMPT_PREFIXES):
            reason = password_change_required(getattr(request, "user", None))
            if reason:
                if request.path.startswith("/api/") and not request.path.startswith(
                    PAGES_UNDER_API
                ):
                    return JsonResponse({"detail": reason}, status=403)
                return redirect(reverse("accounts:password_change"))
        return self.get_response(request)


class SecondFactorMiddleware:
    """A session signed in by password alone reaches nothing but the second factor's pages.

    With a TOTP device the user is sent to the code page; without one, if his rights require it,
    to the enrolment page. API calls through the session get a 403 with the reason; calls with a
    personal token (machine clients) are not concerned — they carry no session.
    """

    EXEMPT = ("/static/", "/accounts/logout/", "/healthz", "/metrics", SECOND_FACTOR_PREFIX)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from . import second_factor

        if second_factor.enforced() and not request.path.startswith(self.EXEMPT):
            user = getattr(request, "user", None)
            pending_step = second_factor.pending(user) if not _token_call(request) else None
            if pending_step is not None:
                if request.path.startswith("/api/") and not request.path.startswith(
                    PAGES_UNDER_API
                ):
                    detail = (
                        "请先在登录页输入动态口令完成二次验证"
                        if pending_step == second_factor.VERIFY
                        else "该账号须先绑定动态口令（二次验证）才能使用"
                    )
                    return JsonResponse({"detail": detail}, status=403)
                name = (
                    "accounts:second_factor_verify"
                    if pending_step == second_factor.VERIFY
                    else "accounts:second_factor_enrol"
                )
                url = reverse(name)
                if request.method == "GET":
                    url += "?" + urlencode({"next": request.get_full_path()})
                return redirect(url)
        return self.get_response(request)


def _token_call(request: HttpRequest) -> bool:
    """An API request that authenticates by a personal token (the token class answers it)."""
    if not request.path.startswith("/api/"):
        return False
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    return bool(header) and header[0].lower() in ("token", "bearer")
