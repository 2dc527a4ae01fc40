"""Force a change of an initial or expired password before anything else can be done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

EXEMPT_PREFIXES = ("/static/", "/accounts/logout/", "/accounts/password/", "/api/schema/")
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
