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
    menu = menu_for(user, path)
    return {"menu": menu, "unread_notifications": unread, **breadcrumbs(menu, path)}


def breadcrumbs(menu: list[dict[str, Any]], path: str) -> dict[str, Any]:
    """首页 / module / list, from the menu item whose address is the longest prefix of ``path``
    (a detail page ``/demands/12/`` belongs to 需求 at ``/demands/``). The template adds the page
    itself (its title or object) unless the page is that list."""
    if not menu or path == "/":
        return {"breadcrumbs": [], "breadcrumbs_at_item": False}
    best: tuple[int, dict[str, Any], dict[str, Any]] | None = None
    for group in menu:
        for item in group["items"]:
            url = item["url"].split("?")[0]
            if url != "/" and path.startswith(url) and (best is None or len(url) > best[0]):
                best = (len(url), group, item)
    crumbs: list[dict[str, Any]] = [{"label": "首页", "url": "/"}]
    at_item = False
    if best is not None:
        _, group, item = best
        at_item = path == item["url"]
        crumbs.append({"label": group["label"], "url": None})
        crumbs.append({"label": item["label"], "url": None if at_item else item["url"]})
    return {"breadcrumbs": crumbs, "breadcrumbs_at_item": at_item}
