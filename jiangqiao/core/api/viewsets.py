"""Base viewsets: every queryset goes through the data-scope chokepoint."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import mixins, viewsets

from .permissions import METHOD_ACTIONS, ScopedModelPermission


class ScopedViewSetMixin:
    """``get_queryset()`` returns ``queryset.visible_to(user, action)`` for the HTTP method.

    Custom actions declare ``scope_action`` through ``@action(..., scope_action="change")``
    or by setting ``self.scope_action``; writes are delegated to services in ``perform_*``.
    """

    queryset: models.QuerySet[Any]
    permission_classes = [ScopedModelPermission]
    request: Any
    action: str | None

    def get_model(self) -> type[models.Model]:
        return self.queryset.model

    # Set per action through ``@action(..., scope_action="change")`` (DRF passes it to the view).
    scope_action: str | None = None

    def current_scope_action(self) -> str:
        return self.scope_action or METHOD_ACTIONS.get(self.request.method, "view")

    def get_queryset(self) -> models.QuerySet[Any]:
        qs = self.queryset.all()
        return qs.visible_to(self.request.user, self.current_scope_action())  # type: ignore[attr-defined,no-any-return]


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[misc]
    pass


class ScopedModelViewSet(  # type: ignore[misc]
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve, create and update. Master data is disabled, not deleted, so no DELETE."""
