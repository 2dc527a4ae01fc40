"""Reads for users and roles; every function takes the requesting user."""

from __future__ import annotations

from typing import Any

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation

from . import duties
from .models import User


def account_actions(*, actor: Any, user: User) -> dict[str, bool]:
    """Which account actions ``actor`` may take on ``user``'s page (the services decide again).

    ``reset``/``status``/``roles`` follow the 三员 rules for administrators' accounts and the usual
    permission + data scope for everyone else; ``edit`` is the profile (name, unit, e-mail);
    ``second_factor`` is resetting the TOTP device (``accounts.reset_second_factor`` for ordinary
    accounts, the duty set over it for an administrator's).
    """
    none = {"reset": False, "status": False, "roles": False, "edit": False, "second_factor": False}
    if not actor.is_authenticated or actor.pk == user.pk:
        return none
    can_change = (
        actor.has_perm("accounts.change_user")
        and User.objects.visible_to(actor, "change").filter(pk=user.pk).exists()
    )
    if actor.is_superuser:
        return dict.fromkeys(none, True)
    try:
        target_duties = duties.check_account_action(actor, user, what="管理")
    except (BusinessError, ScopeViolation):
        return {**none, "edit": can_change}
    if target_duties:
        return {
            "reset": True,
            "status": True,
            "roles": True,
            "edit": can_change,
            "second_factor": True,
        }
    visible = User.objects.visible_to(actor, "view").filter(pk=user.pk).exists()
    return {
        "reset": can_change,
        "status": can_change,
        "roles": actor.has_perm("accounts.assign_role") and visible,
        "edit": can_change,
        "second_factor": actor.has_perm("accounts.reset_second_factor") and visible,
    }


def unit_staff(org_id: int, perm: str, *, limit: int = 200) -> list[User]:
    """Active users of the unit ``org_id`` who hold ``perm`` (who must act on its queue).

    One query (``RoleBackend.with_perm``: an enabled role granting ``perm``, or a superuser), not a
    permission look-up per user: ticks and submissions call this for every row they tell about.
    """
    users = User.objects.with_perm(perm, backend="jiangqiao.accounts.backends.RoleBackend")
    return list(users.filter(org_id=org_id).order_by("pk")[:limit])
