"""The single data-scope chokepoint.

Every page, API view, export and selector reads rows through ``Model.objects.visible_to(user, action)``.
It checks the functional permission ``<app>.<action>_<model>`` and then restricts the rows to the
union (OR) of the data scopes of the user's active roles:

* 全部数据 — every row;
* 自定义组织 — rows owned by the organisations chosen on the role;
* 本级及下级 — rows owned by the user's organisation or any organisation below it;
* 仅本级 — rows owned by the user's organisation;
* 仅本人 — rows the user created (or, for a model without an owner field, nothing).

A user without an organisation only gets 全部数据 and 仅本人. Scope is composed from ``Q`` objects,
never from SQL strings. Objects outside the scope are simply not in the queryset, so detail views
answer 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q

from .choices import DataScope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from jiangqiao.accounts.models import User

# Paths are "/<id>/<id>/.../" — only digits and "/", all sorting before "~". A subtree is therefore
# the half-open range [path, path + "~"), which both SQLite and PostgreSQL answer from a plain
# b-tree index on ``path`` (LIKE 'x%' would need a special operator class on PostgreSQL).
PATH_UPPER_SENTINEL = "~"
NOTHING = Q(pk__in=[])


def subtree_q(path: str, *, field: str = "") -> Q:
    """Rows whose organisation path lies in the subtree rooted at ``path`` (inclusive)."""
    lookup = f"{field}__path" if field else "path"
    return Q(**{f"{lookup}__gte": path, f"{lookup}__lt": path + PATH_UPPER_SENTINEL})


def _org_q(org_field: str, value_lookup: str, value: Any) -> Q:
    if org_field == "self":
        return Q(**{f"pk{value_lookup}": value})
    return Q(**{f"{org_field}{value_lookup}": value})


def scope_q(
    user: User | AnonymousUser,
    *,
    org_field: str = "org",
    owner_field: str | None = "created_by",
    widen_all: bool = True,
) -> Q:
    """OR of the data scopes of all active roles of ``user``.

    ``org_field`` names the organisation FK (``"self"`` when the model *is* the organisation, or a
    path such as ``"demand__org"``); ``owner_field`` names the user FK for 仅本人 (``"self"`` when the
    model is the user; several fields separated by ``|`` are ORed, e.g. ``"user|created_by"``, and a
    path may cross a to-many relation, e.g. ``"enterprise__contacts__user"``). With ``widen_all=False`` a 全部数据 role counts as 本级及下级 (used for the
    logs, which only the audit administrator may read in full).
    """
    if not user.is_authenticated:
        return NOTHING
    if user.is_superuser:
        return Q()
    org = getattr(user, "org", None)
    q = NOTHING
    for role in user.active_roles():  # type: ignore[union-attr]
        scope = role.data_scope
        if scope == DataScope.ALL:
            if widen_all:
                return Q()
            scope = DataScope.ORG_AND_BELOW
        if scope == DataScope.CUSTOM:
            org_ids = role.custom_org_ids()
            if org_ids:
                q |= _org_q(org_field, "__in" if org_field == "self" else "_id__in", org_ids)
        elif scope == DataScope.ORG_AND_BELOW and org is not None:
            q |= subtree_q(org.path, field="" if org_field == "self" else org_field)
        elif scope == DataScope.ORG and org is not None:
            q |= _org_q(org_field, "" if org_field == "self" else "_id", org.pk)
        elif scope == DataScope.SELF and owner_field:
            for field in owner_field.split("|"):
                if field == "self":
                    q |= Q(pk=user.pk)
                else:
                    q |= Q(**{f"{field}_id": user.pk})
    return q


def access_key(user: User | AnonymousUser) -> str:
    """A short digest of everything ``scope_q`` and the permission checks read for ``user``: his
    organisation, his active roles with their data scopes and chosen organisations, and his
    permissions. A cache of scoped answers keyed by it goes stale the moment a role, a scope or a
    permission of the user changes (not when its timeout ends)."""
    import hashlib

    if not user.is_authenticated:
        return "anonymous"
    roles = sorted(
        (role.pk, str(role.data_scope), tuple(sorted(role.custom_org_ids())))
        for role in user.active_roles()  # type: ignore[union-attr]
    )
    parts = (
        user.pk,
        getattr(user, "org_id", None),
        user.is_superuser,
        user.is_active,
        roles,
        sorted(user.get_all_permissions()),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def permission_name(model: type[models.Model], action: str) -> str:
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


class ScopedQuerySet(models.QuerySet):
    """QuerySet with ``visible_to(user, action)``: the data-scope chokepoint."""

    def visible_to(self, user: User | AnonymousUser | None, action: str = "view") -> Self:
        model = self.model
        if user is None or not user.is_authenticated:
            return self.none()
        if not user.has_perm(permission_name(model, action)):
            return self.none()
        org_field = getattr(model, "scope_org_field", "org")
        widen_all = getattr(model, "scope_widen_all", True)
        if org_field is None:
            # Global configuration (roles, reference data): the permission is the whole check.
            return self.all()
        if not widen_all and user.has_perm("core.view_all_logs"):
            # Logs: only the audit administrator reads everyone's.
            return self.all()
        q = scope_q(
            user,
            org_field=org_field,
            owner_field=getattr(model, "scope_owner_field", "created_by"),
            widen_all=widen_all,
        )
        if getattr(model, "scope_to_many", False) and any(
            role.data_scope == DataScope.SELF
            for role in user.active_roles()  # type: ignore[union-attr]
        ):
            # 仅本人 joins a to-many relation (e.g. enterprise contacts): filter by primary key
            # through a subquery so the result never needs DISTINCT (NetBox's restrict() does the
            # same). Other scopes are plain column filters and skip the subquery.
            return self.filter(pk__in=model._default_manager.filter(q).values("pk"))
        return self.filter(q)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


def assert_visible(
    model: type[models.Model], user: User | AnonymousUser, pk: Any, action: str
) -> None:
    """Raise ``ScopeViolation`` unless the row ``pk`` is within ``user``'s scope for ``action``.

    Services call this after saving, inside their transaction, so a write that lands outside the
    writer's scope is rolled back (the NetBox post-save check).
    """
    if not model._default_manager.visible_to(user, action).filter(pk=pk).exists():  # type: ignore[attr-defined]
        raise ScopeViolation(model, action)


class ScopeViolation(Exception):
    """A write would create or change a row outside the actor's data scope."""

    def __init__(self, model: type[models.Model], action: str) -> None:
        self.model = model
        self.action = action
        verbose = model._meta.verbose_name
        super().__init__(f"无权在您的数据范围之外{_ACTION_LABELS.get(action, '操作')}{verbose}")


_ACTION_LABELS = {"add": "新增", "change": "修改", "delete": "删除", "view": "查看"}
