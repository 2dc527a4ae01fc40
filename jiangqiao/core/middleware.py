from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from . import context


class RequestContextMiddleware:
    """Give every request an id (returned as ``X-Request-ID``) and an audit context."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.context_from_request(request)
        request.id = ctx.request_id  # type: ignore[attr-defined]
        token = context._current.set(ctx)
        try:
            response = self.get_response(request)
        finally:
            context._current.reset(token)
        response["X-Request-ID"] = str(ctx.request_id)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            # Signed-in pages and API answers hold personal data: no browser or proxy keeps them
            # (a shared office computer's back button and cache included).
            response["Cache-Control"] = "no-store, private"
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A number too large for the database in a URL or query string is bad input, not a 500.
        A database that stayed locked (SQLite's "database is locked" past the busy timeout, a
        PostgreSQL lock timeout or deadlock) or out of reach (restarted, connection dropped) is
        503 "系统繁忙，请稍后重试" with Retry-After, not a 500."""
        from .jobs import is_transient_db_error, is_unavailable_db_error

        if is_transient_db_error(exception) or is_unavailable_db_error(exception):
            import logging

            from .views.errors import busy_response

            logging.getLogger(__name__).warning(
                "%s %s: database busy or unreachable (%s), answered 503",
                request.method,
                request.path,
                exception,
            )
            return busy_response(request)
        if isinstance(exception, OverflowError):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "参数数值超出允许范围"}, status=400)
            return HttpResponseBadRequest(
                "参数数值超出允许范围".encode(), content_type="text/plain; charset=utf-8"
            )
        return None


class PermissionsPolicyMiddleware:
    """Send ``Permissions-Policy`` (settings.JIANGQIAO_PERMISSIONS_POLICY) on every response.

    Django sets the other security headers itself (SecurityMiddleware: nosniff, Referrer-Policy,
    Cross-Origin-Opener-Policy; XFrameOptionsMiddleware; django-csp's CSPMiddleware); it has no
    setting for this one. No page uses the camera, microphone, location or payment: all are off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.value = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.JIANGQIAO_PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault("Permissions-Policy", self.value)
        return response
