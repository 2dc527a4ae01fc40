"""Authentication backend whose group permissions come from the user's *enabled* roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet

from jiangqiao.core.choices import Status


class RoleBackend(ModelBackend):
    """``ModelBackend`` where a user's groups are the groups behind their active roles.

    A disabled role grants nothing; a disabled user has no permissions at all.
    """

    def _get_group_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        role_ids = [role.pk for role in user_obj.active_roles()]
        return Permission.objects.filter(group__role__in=role_ids)

    def with_perm(
        self,
        perm: Any,
        is_active: bool | None = True,
        include_superusers: bool = True,
        obj: Any = None,
    ) -> QuerySet[Any]:
        """Users who hold ``perm`` through an enabled role (``User.objects.with_perm``)."""
        user_model = get_user_model()
        if obj is not None:
            return user_model._default_manager.none()
        if isinstance(perm, Permission):
            perm_q = Q(pk=perm.pk)
        else:
            app_label, _, codename = str(perm).partition(".")
            perm_q = Q(codename=codename, content_type__app_label=app_label)
        holds = Exists(
            Permission.objects.filter(
                perm_q,
                group__role__users=OuterRef("pk"),
                group__role__status=Status.ACTIVE,
            )
        )
        user_q = Q(holds)
        if include_superusers:
            user_q |= Q(is_superuser=True)
        if is_active is not None:
            user_q &= Q(is_active=is_active)
        return user_model._default_manager.filter(user_q)
