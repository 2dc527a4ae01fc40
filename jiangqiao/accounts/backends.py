"""Authentication backend whose group permissions come from the user's *enabled* roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import QuerySet


class RoleBackend(ModelBackend):
    """``ModelBackend`` where a user's groups are the groups behind their active roles.

    A disabled role grants nothing; a disabled user has no permissions at all.
    """

    def _get_group_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        role_ids = [role.pk for role in user_obj.active_roles()]
        return Permission.objects.filter(group__role__in=role_ids)
