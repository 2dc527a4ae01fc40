"""Writes for users and roles: atomic, scope-checked, audited."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jiangqiao.core.choices import BusinessType, Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import assert_visible

from .models import Role, User
from .roles import ADMIN_ROLES, BUILTIN_ROLES

USER_EDITABLE = ("real_name", "email", "org", "remark")


def generate_initial_password(length: int = 12) -> str:
    """A random password that satisfies the complexity rules (all four character classes)."""
    alphabet = string.ascii_letters + string.digits + "!@#$%&*?"
    while True:
        pwd = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.isupper() for c in pwd)
            and any(c.islower() for c in pwd)
            and any(c.isdigit() for c in pwd)
            and any(not c.isalnum() for c in pwd)
        ):
            return pwd


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise BusinessError("；".join(exc.messages), field="password") from exc


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    org: Any,
    real_name: str = "",
    email: str = "",
    remark: str = "",
    password: str | None = None,
    roles: list[Role] | None = None,
) -> tuple[User, str]:
    """Create an account with an initial password that must be changed at first login.

    Returns the user and the initial password (shown once to the administrator).
    """
    if User.objects.filter(username__iexact=username).exists():
        raise BusinessError(f"登录账号“{username}”已存在", field="username")
    user = User(
        username=username,
        org=org,
        real_name=real_name,
        email=email,
        remark=remark,
        created_by=actor,
        must_change_password=True,
    )
    initial = password or generate_initial_password()
    _check_password(initial, user)
    user.set_password(initial)
    user.password_changed_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    if actor is not None:
        assert_visible(User, actor, user.pk, "add")
    if roles:
        user_set_roles(actor=actor, user=user, roles=roles)
    record_operation(
        actor=actor,
        module="用户管理",
        business_type=BusinessType.INSERT,
        action=f"新增用户“{user.username}”",
        target=user,
    )
    return user, initial


@transaction.atomic
def user_update(*, actor: Any, user: User, data: dict[str, Any]) -> User:
    unknown = set(data) - set(USER_EDITABLE)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    assert_visible(User, actor, user.pk, "change")
    for key, value in data.items():
        setattr(user, key, value)
    user.full_clean(exclude=["password"])
    user.save()
    # The edited user must still be within the editor's scope (e.g. not moved to another county).
    assert_visible(User, actor, user.pk, "change")
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    assert_visible(User, actor, user.pk, "change")
    if actor is not None and user.pk == actor.pk and not active:
        raise BusinessError("不能停用自己的账号")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    record_operation(
        actor=actor,
        module="用户管理",
        business_type=BusinessType.UPDATE,
        action=f"{'启用' if active else '停用'}用户“{user.username}”",
        target=user,
    )
    return user


@transaction.atomic
def user_reset_password(*, actor: Any, user: User) -> str:
    """Set a new random initial password that must be changed at next login; return it once."""
    user = User.objects.select_for_update().get(pk=user.pk)
    assert_visible(User, actor, user.pk, "change")
    initial = generate_initial_password()
    user.set_password(initial)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record_operation(
        actor=actor,
        module="用户管理",
        business_type=BusinessType.FORCE,
        action=f"重置用户“{user.username}”的密码",
        target=user,
    )
    return initial


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The user changes their own password."""
    if not user.check_password(old_password):
        raise BusinessError("原密码不正确", field="old_password")
    if old_password == new_password:
        raise BusinessError("新密码不能与原密码相同", field="new_password1")
    _check_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record_operation(
        actor=user,
        module="用户管理",
        business_type=BusinessType.UPDATE,
        action="修改本人密码",
        target=user,
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: Any, user: User, roles: list[Role]) -> User:
    """Grant exactly ``roles``. Needs ``assign_role``; nobody changes their own roles; the three
    administrator duties (系统/安全/审计) may not be combined in one account (三员分立)."""
    if actor is not None and not actor.is_superuser:
        if not actor.has_perm("accounts.assign_role"):
            raise BusinessError("您没有为用户分配角色的权限", field="roles")
        if actor.pk == user.pk:
            raise BusinessError("不能修改自己的角色", field="roles")
        assert_visible(User, actor, user.pk, "view")
    admin_codes = {r.code for r in roles} & {str(c) for c in ADMIN_ROLES}
    if len(admin_codes) > 1:
        names = "、".join(r.name for r in roles if r.code in admin_codes)
        raise BusinessError(f"三员分立：同一账号不能同时担任{names}", field="roles")
    disabled = [r.name for r in roles if r.status != Status.ACTIVE]
    if disabled:
        raise BusinessError(f"角色已停用：{'、'.join(disabled)}", field="roles")
    before = sorted(user.roles.values_list("name", flat=True))
    user.roles.set(roles)
    user.clear_role_cache()
    record_operation(
        actor=actor,
        module="用户管理",
        business_type=BusinessType.GRANT,
        action=f"设置用户“{user.username}”的角色",
        target=user,
        extra={"before": before, "after": sorted(r.name for r in roles)},
    )
    return user


def _permissions(names: list[str] | tuple[str, ...]) -> QuerySet[Permission]:
    from django.db.models import Q

    q = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        q |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(q)


@transaction.atomic
def role_create(
    *,
    actor: Any,
    code: str,
    name: str,
    data_scope: str,
    permissions: list[Permission] | QuerySet[Permission] = (),  # type: ignore[assignment]
    custom_orgs: list[Any] | None = None,
    remark: str = "",
    sort: int = 0,
    is_builtin: bool = False,
) -> Role:
    if Role.objects.filter(name=name).exists():
        raise BusinessError(f"角色名称“{name}”已存在", field="name")
    if Role.objects.filter(code=code).exists():
        raise BusinessError(f"角色编码“{code}”已存在", field="code")
    group = Group.objects.create(name=f"role:{code}")
    role = Role(
        group=group,
        code=code,
        name=name,
        data_scope=data_scope,
        remark=remark,
        sort=sort,
        is_builtin=is_builtin,
        created_by=actor,
        updated_by=actor,
    )
    role.full_clean(exclude=["group"])
    role.save()
    group.permissions.set(permissions)
    if custom_orgs:
        role.custom_orgs.set(custom_orgs)
    record_operation(
        actor=actor,
        module="角色管理",
        business_type=BusinessType.INSERT,
        action=f"新增角色“{name}”",
        target=role,
    )
    return role


@transaction.atomic
def role_update(
    *,
    actor: Any,
    role: Role,
    data: dict[str, Any],
    permissions: list[Permission] | QuerySet[Permission] | None = None,
    custom_orgs: list[Any] | None = None,
) -> Role:
    role = Role.objects.select_for_update().get(pk=role.pk)
    allowed = {"name", "data_scope", "remark", "sort"}
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    for key, value in data.items():
        setattr(role, key, value)
    role.updated_by = actor
    role.full_clean(exclude=["group"])
    role.save()
    if permissions is not None:
        before = sorted(role.group.permissions.values_list("codename", flat=True))
        role.group.permissions.set(permissions)
        after = sorted(role.group.permissions.values_list("codename", flat=True))
        if before != after:
            record_operation(
                actor=actor,
                module="角色管理",
                business_type=BusinessType.GRANT,
                action=f"修改角色“{role.name}”的功能权限",
                target=role,
                extra={
                    "added": sorted(set(after) - set(before)),
                    "removed": sorted(set(before) - set(after)),
                },
            )
    if custom_orgs is not None:
        role.custom_orgs.set(custom_orgs)
    return role


@transaction.atomic
def role_set_status(*, actor: Any, role: Role, status: str) -> Role:
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.status == status:
        return role
    role.status = status
    role.updated_by = actor
    role.save(update_fields=["status", "updated_by", "updated_at"])
    record_operation(
        actor=actor,
        module="角色管理",
        business_type=BusinessType.UPDATE,
        action=f"{'启用' if status == Status.ACTIVE else '停用'}角色“{role.name}”",
        target=role,
    )
    return role


def ensure_builtin_roles(*, reset: bool = False) -> dict[str, int]:
    """Create the built-in roles that are missing (and with ``reset`` restore their defaults)."""
    created = updated = 0
    for spec in BUILTIN_ROLES:
        perms = _permissions(spec.permissions)
        role = Role.objects.filter(code=spec.code).first()
        if role is None:
            role_create(
                actor=None,
                code=spec.code,
                name=spec.name,
                data_scope=spec.data_scope,
                permissions=perms,
                remark=spec.remark,
                sort=BUILTIN_ROLES.index(spec),
                is_builtin=True,
            )
            created += 1
        elif reset:
            role_update(
                actor=None,
                role=role,
                data={"data_scope": spec.data_scope, "remark": spec.remark},
                permissions=perms,
            )
            updated += 1
    return {"created": created, "updated": updated}
