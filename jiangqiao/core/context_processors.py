from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu; a view may set ``request.nav_path`` to light up another item than its own path
    (an import page belongs to the list it imports into)."""
    path = getattr(request, "nav_path", None) or request.path
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from .notifications import unread_count

        unread = unread_count(user=user)
    return {"menu": menu_for(user, path), "unread_notifications": unread}
