from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from jiangqiao.core.scope import permission_name

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class ScopedModelPermission(BasePermission):
    """The functional permission for the HTTP method (``view``/``add``/``change``/``delete``).

    Row visibility is the queryset's job (``visible_to``), so out-of-scope objects answer 404.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        getter = getattr(view, "current_scope_action", None)
        action = getter() if callable(getter) else METHOD_ACTIONS.get(request.method or "")
        if action is None:
            return False
        model = view.get_model()
        return bool(request.user.has_perm(permission_name(model, action)))
