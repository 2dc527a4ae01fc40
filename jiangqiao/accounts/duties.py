"""三员分立: the three administrator duties, decided on the permissions a person ends up with.

等保 level 3 separates system administration, security administration and security audit. Roles are
only carriers: what counts is the union of the permissions of a user's active roles, whatever roles
carry them. This module is the one place that says which permission belongs to which duty, which
duty looks after the accounts of which other duty, and how a check is phrased to the user.

* **system duty** (系统管理): user accounts, the organisation tree, system configuration;
* **security duty** (安全管理): roles, data scopes, role assignment;
* **audit duty** (安全审计): reading every unit's logs.

A role may never carry two duties, and no user may hold two through several roles. The accounts of
administrators (those who hold a duty's *account* permissions, see ``ADMIN_ACCOUNT_PERMISSIONS``) are
reset, disabled and re-roled only by the duty set over them in ``MANAGED_BY`` — never by themselves
and never by a holder of the same duty.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Permission
from django.db import models

from jiangqiao.core.exceptions import BusinessError


class Duty(models.TextChoices):
    SYSTEM = "system", "系统管理"
    SECURITY = "security", "安全管理"
    AUDIT = "audit", "安全审计"


#: Every permission that makes up a duty. Two duties' permissions never meet in one role or user.
DUTY_PERMISSIONS: dict[str, frozenset[str]] = {
    Duty.SYSTEM: frozenset(
        {
            "accounts.add_user",
            "accounts.change_user",
            "orgs.add_organization",
            "orgs.change_organization",
            "taxonomy.load_reference_data",
            "core.add_importalias",
            "core.change_importalias",
            # The working-day calendar (core.workdays) is system configuration.
            "core.add_calendarday",
            "core.change_calendarday",
            "core.delete_calendarday",
        }
    ),
    Duty.SECURITY: frozenset(
        {
            "accounts.add_role",
            "accounts.change_role",
            "accounts.assign_role",
            # Resetting another person's second factor (he must enrol again): login security.
            "accounts.reset_second_factor",
            # Releasing bulk exports of personal data is a security decision.
            "core.approve_export",
        }
    ),
    Duty.AUDIT: frozenset({"core.view_all_logs"}),
}

#: The permissions that make an *administrator account* of a duty, whose own account is then
#: protected. Unit staff who maintain their grassroots unions hold organisation permissions (a part
#: of the system duty, so they can never also hold the security or audit duty), but they are not
#: system administrators: their accounts are managed as everyone else's.
ADMIN_ACCOUNT_PERMISSIONS: dict[str, frozenset[str]] = {
    Duty.SYSTEM: frozenset({"accounts.add_user", "accounts.change_user"}),
    Duty.SECURITY: frozenset({"accounts.add_role", "accounts.change_role", "accounts.assign_role"}),
    Duty.AUDIT: DUTY_PERMISSIONS[Duty.AUDIT],
}

#: One permission that every administrator of a duty holds (to find the people on duty).
HOLDER_PERMISSION: dict[str, str] = {
    Duty.SYSTEM: "accounts.change_user",
    Duty.SECURITY: "accounts.assign_role",
    Duty.AUDIT: "core.view_all_logs",
}

#: Who looks after the account of an administrator of each duty: the security administrator
#: resets, disables and re-roles the system administrator and the auditor; the system administrator
#: resets and disables the security administrator and may take roles away from him (never grant).
MANAGED_BY: dict[str, str] = {
    Duty.SYSTEM: Duty.SECURITY,
    Duty.SECURITY: Duty.SYSTEM,
    Duty.AUDIT: Duty.SECURITY,
}


def label(duty: str) -> str:
    return str(Duty(duty).label)


def labels(duties: Iterable[str]) -> str:
    order = list(Duty)
    return "、".join(label(d) for d in sorted(set(duties), key=lambda d: order.index(Duty(d))))


def permission_names(perms: Iterable[Permission]) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


def duties_of(perm_names: Iterable[str]) -> set[str]:
    """The duties whose permissions appear in ``perm_names``."""
    names = set(perm_names)
    return {duty for duty, perms in DUTY_PERMISSIONS.items() if names & perms}


def admin_duties_of(perm_names: Iterable[str]) -> set[str]:
    """The duties whose *administrator account* permissions appear in ``perm_names``."""
    names = set(perm_names)
    return {duty for duty, perms in ADMIN_ACCOUNT_PERMISSIONS.items() if names & perms}


def role_permission_names(roles: Iterable[Any], *, active_only: bool = True) -> set[str]:
    """Union of the permissions carried by ``roles`` (only the enabled ones by default)."""
    from jiangqiao.core.choices import Status

    role_ids = [r.pk for r in roles if not active_only or r.status == Status.ACTIVE]
    if not role_ids:
        return set()
    rows = Permission.objects.filter(group__role__in=role_ids).values_list(
        "content_type__app_label", "codename"
    )
    return {f"{app}.{codename}" for app, codename in rows}


def user_permission_names(user: Any, *, while_disabled: bool = False) -> set[str]:
    """The permissions ``user`` ends up with (a superuser holds every duty).

    ``while_disabled``: what a disabled account would hold once enabled again — its account is
    still an administrator's and is protected as one.
    """
    if user is None:
        return set()
    if not user.is_active and not while_disabled:
        return set()
    if user.is_superuser:
        return set().union(*DUTY_PERMISSIONS.values())
    if user.is_active:
        return role_permission_names(user.active_roles())
    return role_permission_names(user.roles.all())


def user_duties(user: Any) -> set[str]:
    return duties_of(user_permission_names(user))


def user_admin_duties(user: Any, *, while_disabled: bool = False) -> set[str]:
    return admin_duties_of(user_permission_names(user, while_disabled=while_disabled))


def check_separation(perm_names: Iterable[str], *, subject: str, field: str | None = None) -> None:
    """Refuse a set of permissions that spans two duties, naming the duties and a permission each."""
    names = set(perm_names)
    found = duties_of(names)
    if len(found) <= 1:
        return
    detail = "；".join(
        f"{label(d)}：{'、'.join(_perm_label(p) for p in sorted(names & DUTY_PERMISSIONS[d])[:3])}"
        for d in sorted(found, key=lambda d: list(Duty).index(Duty(d)))
    )
    raise BusinessError(
        f"三员分立：{subject}将同时具有{labels(found)}职责，不能兼任（{detail}）", field=field
    )


def _perm_label(name: str) -> str:
    from .permissions import permission_label

    app_label, codename = name.split(".", 1)
    perm = (
        Permission.objects.select_related("content_type")
        .filter(content_type__app_label=app_label, codename=codename)
        .first()
    )
    return permission_label(perm) if perm else name


def check_account_action(actor: Any, user: Any, *, what: str) -> set[str]:
    """May ``actor`` do ``what`` (reset, disable, re-role, move…) to ``user``'s account, as far as
    the 三员 rules go? Returns the duties the account holds — empty for an ordinary account, whose
    rules are then the usual permission and data scope.

    An administrator's account is looked after only by the duty set over it (``MANAGED_BY``),
    never by himself and never by a holder of the same duty.
    """
    from jiangqiao.core.scope import assert_visible

    target_duties = user_admin_duties(user, while_disabled=True)
    if not target_duties:
        return target_duties
    if actor.pk == user.pk:
        raise BusinessError(f"不能{what}本人的账号")
    shared = user_duties(actor) & target_duties
    if shared:
        raise BusinessError(f"三员分立：{labels(shared)}管理员的账号不能由同一职责的管理员{what}")
    needed = {MANAGED_BY[d] for d in target_duties}
    if needed - user_admin_duties(actor):
        raise BusinessError(
            f"三员分立：{labels(target_duties)}管理员的账号只能由{labels(needed)}管理员{what}"
        )
    assert_visible(type(user), actor, user.pk, "view")
    return target_duties
