"""Error pages in Chinese; API paths get JSON instead of HTML."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

MESSAGES = {
    400: "请求有误，无法处理",
    403: "您没有此操作的权限",
    404: "页面不存在，或数据不在您的数据范围内",
    500: "服务器处理出错，请稍后重试",
    503: "系统繁忙，请稍后重试",
}
#: Seconds a client is asked to wait after a 503 (the database was busy).
RETRY_AFTER = 5


def _respond(request: HttpRequest, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": MESSAGES[status]}, status=status)
    # No context processors (the menu reads the database, which may be what failed): the page
    # gets only the request, for its request id.
    return HttpResponse(render_to_string(f"{status}.html", {"request": request}), status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        # A form body (files aside) above DATA_UPLOAD_MAX_MEMORY_SIZE: 413 naming the limit.
        from jiangqiao.core.uploads import request_too_large

        return request_too_large(request, int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    return _respond(request, 400)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _respond(request, 403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _respond(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, unless the error is the database being locked or out of reach: then 503 with
    Retry-After, as the exception middleware answers for views. Django calls this handler inside
    its ``except``, so the error is ``sys.exc_info()``; this catches what is raised before or
    around the view (a middleware loading the session while PostgreSQL restarts)."""
    import sys

    from jiangqiao.core.jobs import is_transient_db_error, is_unavailable_db_error

    error = sys.exc_info()[1]
    if error is not None and (is_transient_db_error(error) or is_unavailable_db_error(error)):
        return busy_response(request)
    return _respond(request, 500)


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 "系统繁忙，请稍后重试": the database stayed locked (a long write of another user).

    Nothing of the request was saved: its transaction rolled back with the error."""
    response = _respond(request, 503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response
