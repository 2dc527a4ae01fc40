"""Writes for users and roles: atomic, scope-checked, audited."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jiangqiao.core import approvals
from jiangqiao.core.choices import (
    ApprovalStatus,
    BusinessType,
    DataScope,
    NotificationLevel,
    Status,
)
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ApprovalRequest
from jiangqiao.core.notifications import clear_secrets, notify
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import assert_visible

from . import duties
from .models import ApiToken, ApiTokenUse, Role, User
from .roles import ADMIN_ROLES, BUILTIN_ROLES

USER_EDITABLE = ("real_name", "email", "remark")
#: Data scopes that follow the user's organisation: moving such a user moves what he sees.
ORG_RELATIVE_SCOPES = {DataScope.ORG, DataScope.ORG_AND_BELOW}
#: Valid tokens one account may hold at a time.
MAX_ACTIVE_TOKENS = 10
#: How long the halves of a reset administrator password stay readable in the messages.
SPLIT_PASSWORD_HOURS = 24


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
    must_change_password: bool = True,
) -> tuple[User, str]:
    """Create an account with an initial password that must be changed at first login.

    Returns the user and the initial password (shown once to the administrator). A password the
    person chose himself (企业自助注册) needs no change: ``must_change_password=False``.
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
        must_change_password=must_change_password,
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


def _is_system(actor: Any) -> bool:
    """``None`` (a management command) or a superuser (bootstrap only): above the 三员 rules."""
    return actor is None or bool(getattr(actor, "is_superuser", False))


def _tell_owner(user: User, *, actor: Any, title: str, body: str) -> None:
    notify(
        [user],
        title=title,
        body=body + " 如非您本人知悉的操作，请立即联系安全管理员。",
        link="/accounts/profile/",
        level=NotificationLevel.SECURITY,
        actor=actor,
    )


def _admin_target_check(actor: Any, user: User, *, what: str) -> set[str]:
    if _is_system(actor):
        return duties.user_admin_duties(user, while_disabled=True)
    return duties.check_account_action(actor, user, what=what)


def _ordinary_target_check(actor: Any, user: User, action: str = "change") -> None:
    if _is_system(actor):
        return
    assert_visible(User, actor, user.pk, action)


@transaction.atomic
def user_update(*, actor: Any, user: User, data: dict[str, Any]) -> User:
    """Edit an account's profile (name, e-mail, remark). The unit is changed by ``user_move``."""
    unknown = set(data) - set(USER_EDITABLE)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    assert_visible(User, actor, user.pk, "change")
    if data.get("email", user.email) != user.email and duties.user_admin_duties(
        user, while_disabled=True
    ):
        # The e-mail address is where an administrator's messages go: changing it is an account
        # takeover step, so it follows the rules of a reset.
        _admin_target_check(actor, user, what="修改邮箱")
    for key, value in data.items():
        setattr(user, key, value)
    user.full_clean(exclude=["password"])
    user.save()
    assert_visible(User, actor, user.pk, "change")
    return user


def _widens_scope(user: User, org: Any) -> bool:
    """Would moving ``user`` to ``org`` let him see rows he cannot see now?"""
    if org is None:
        return False
    if not any(r.data_scope in ORG_RELATIVE_SCOPES for r in user.active_roles()):
        return False
    old = user.org
    return old is None or not org.path.startswith(old.path)


@transaction.atomic
def user_move(*, actor: Any, user: User, org: Any, reason: str = "") -> Any:
    """Move an account to another unit.

    Moving down (into the current unit's subtree) narrows the data scope and applies at once.
    Moving up or sideways is a grant of data scope: unless the actor holds the security duty it
    becomes an approval request for the security administrator (双人复核) and nothing changes
    until it is approved. Returns the ``ApprovalRequest`` when one was filed, else ``None``.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.org_id == getattr(org, "pk", None):
        return None
    if not _is_system(actor):
        assert_visible(User, actor, user.pk, "change")
        from jiangqiao.orgs.models import Organization

        if org is not None and not (
            Organization.objects.visible_to(actor, "view").filter(pk=org.pk).exists()
        ):
            raise BusinessError("所属组织：不在您的数据范围内", field="org")
        if org is None:
            raise BusinessError("所属组织：请选择账号所属的组织", field="org")
        _admin_target_check(actor, user, what="调动")
        if actor.pk == user.pk:
            raise BusinessError("不能调动本人的账号", field="org")
    needs_approval = (
        not _is_system(actor)
        and _widens_scope(user, org)
        and duties.Duty.SECURITY not in duties.user_admin_duties(actor)
    )
    if needs_approval:
        pending = ApprovalRequest.objects.filter(
            kind=USER_MOVE, target_id=str(user.pk), status=ApprovalStatus.PENDING
        )
        if pending.exists():
            raise BusinessError("该用户已有待审批的调动申请，请等待审批结果", field="org")
        old_name = str(user.org) if user.org else "无"
        return approvals.approval_request(
            actor=actor,
            kind=USER_MOVE,
            title=f"调动用户“{user}”：{old_name} → {org}",
            payload={
                "user": user.pk,
                "from_org": user.org_id,
                "to_org": org.pk,
                "from_name": old_name,
                "to_name": str(org),
            },
            target=user,
            org=org,
            reason=reason,
        )
    _apply_move(actor=actor, user=user, org=org, approved_by=None)
    return None


def _apply_move(*, actor: Any, user: User, org: Any, approved_by: Any) -> None:
    old = user.org
    user.org = org
    user.full_clean(exclude=["password"])
    user.save(update_fields=["org"])
    user.clear_role_cache()
    record_operation(
        actor=approved_by or actor,
        module="用户管理",
        business_type=BusinessType.GRANT,
        action=f"调动用户“{user.username}”的所属组织（数据范围随之改变）",
        target=user,
        extra={
            "from": str(old) if old else None,
            "to": str(org) if org else None,
            "requested_by": getattr(actor, "username", None),
            "approved_by": getattr(approved_by, "username", None),
        },
    )
    _tell_owner(
        user,
        actor=approved_by or actor,
        title="您的所属组织已变更",
        body=f"所属组织由“{old or '无'}”变更为“{org or '无'}”，您能查看的数据范围随之改变。",
    )


def _approve_move(request: Any, approver: Any) -> dict[str, Any]:
    from jiangqiao.orgs.models import Organization

    payload = request.payload
    user = User.objects.select_for_update().filter(pk=payload["user"]).first()
    org = Organization.objects.filter(pk=payload["to_org"]).first()
    if user is None or org is None:
        raise BusinessError("该用户或目标组织已不存在，不能执行调动")
    if user.org_id != payload["from_org"]:
        raise BusinessError("该用户的所属组织在申请后已被改变，请驳回后重新申请")
    _apply_move(actor=request.requested_by, user=user, org=org, approved_by=approver)
    return {"user": user.pk, "org": org.pk}


USER_MOVE = "accounts.user_move"
approvals.register(
    approvals.ApprovalKind(
        code=USER_MOVE,
        label="用户调动（扩大数据范围）",
        approver_permission="accounts.assign_role",
        apply=_approve_move,
        module="用户管理",
        excluded=lambda request: [int(request.payload.get("user", 0))],
        describe=lambda request: [
            ("原所属组织", request.payload.get("from_name")),
            ("新所属组织", request.payload.get("to_name")),
        ],
    )
)


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and user.pk == actor.pk and not active:
        raise BusinessError("不能停用自己的账号")
    if not _admin_target_check(actor, user, what="启用" if active else "停用"):
        _ordinary_target_check(actor, user)
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
    _tell_owner(
        user,
        actor=actor,
        title="您的账号已启用" if active else "您的账号已停用",
        body=f"{_display(actor)}于{_now_text()}{'启用' if active else '停用'}了您的账号。",
    )
    return user


@dataclass(frozen=True)
class PasswordReset:
    """What the resetting person may see of a new initial password."""

    shown: str
    #: ``True`` when only the first half is shown: the second half went to the holders of the
    #: third duty (``delivered_to``), so that no single administrator knows the whole password.
    split: bool = False
    delivered_to: str = ""


@transaction.atomic
def user_reset_password(*, actor: Any, user: User) -> PasswordReset:
    """Set a new random initial password that must be changed at the next login.

    For an ordinary account the whole password is shown once to the resetting administrator. For
    an administrator's account (三员) the password is split: the resetting administrator (of the
    duty set over the account) sees the first half, the holders of the third duty receive the
    second half as a one-time message, and the owner collects both in person — no single
    administrator can log in as another.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and actor.pk == user.pk:
        raise BusinessError("不能重置本人的密码，请使用“修改密码”")
    target_duties = _admin_target_check(actor, user, what="重置密码")
    if not target_duties:
        _ordinary_target_check(actor, user)
    split = bool(target_duties) and not _is_system(actor)
    holders: list[User] = []
    if split:
        manager = {duties.MANAGED_BY[d] for d in target_duties}
        third = set(duties.Duty) - target_duties - manager
        holders = [
            u
            for d in sorted(third)
            for u in approvals.permission_holders(duties.HOLDER_PERMISSION[d])
            if u.pk not in (user.pk, actor.pk)
        ]
        if not holders:
            raise BusinessError(
                f"没有在岗的{duties.labels(third)}管理员接收密码的后半段，不能重置；"
                "请由超级管理员在服务器上处理"
            )
    initial = generate_initial_password(16 if split else 12)
    user.set_password(initial)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    key = f"password-reset:{user.pk}"
    clear_secrets(key=key)
    # A reset means the password may be known to someone else: the account's tokens go too.
    revoked = _revoke_all_tokens(actor=actor, user=user)
    record_operation(
        actor=actor,
        module="用户管理",
        business_type=BusinessType.FORCE,
        action=f"重置用户“{user.username}”的密码" + ("（分段交付）" if split else ""),
        target=user,
        extra={"split_to": [u.username for u in holders], "tokens_revoked": revoked}
        if split
        else {"tokens_revoked": revoked},
    )
    _tell_owner(
        user,
        actor=actor,
        title="您的密码已被重置",
        body=f"{_display(actor)}于{_now_text()}重置了您的密码，下次登录须修改。"
        + ("新密码分两段，请分别向重置人和接收后半段的管理员当面领取。" if split else ""),
    )
    if not split:
        return PasswordReset(shown=initial)
    half = len(initial) // 2
    notify(
        holders,
        title=f"请转交：用户“{user}”新密码的后半段",
        body=(
            f"{_display(actor)}重置了管理员账号“{user}”的密码。新密码分两段，"
            f"前半段在重置人处，后半段见下。请当面交给本人，勿转发；"
            f"{SPLIT_PASSWORD_HOURS} 小时后或本人修改密码后失效。"
        ),
        level=NotificationLevel.SECURITY,
        actor=actor,
        secret=initial[half:],
        secret_key=key,
        secret_expires_at=timezone.now() + timedelta(hours=SPLIT_PASSWORD_HOURS),
    )
    return PasswordReset(
        shown=initial[:half],
        split=True,
        delivered_to="、".join(str(u) for u in holders),
    )


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
    clear_secrets(key=f"password-reset:{user.pk}")
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
    """Grant exactly ``roles``.

    * nobody changes his own roles;
    * the permissions the user ends up with may not span two of the three administrator duties
      (三员分立), whatever roles carry them — checked for everyone, superusers included;
    * an ordinary account is re-roled by whoever may assign roles within his data scope;
    * an administrator's account only by the duty set over it (``duties.MANAGED_BY``); the system
      administrator may only take roles away from a security administrator, never grant.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and actor.pk == user.pk and not actor.is_superuser:
        raise BusinessError("不能修改自己的角色", field="roles")
    disabled = [r.name for r in roles if r.status != Status.ACTIVE]
    if disabled:
        raise BusinessError(f"角色已停用：{'、'.join(disabled)}", field="roles")
    after = duties.role_permission_names(roles)
    admin_codes = {r.code for r in roles} & {str(c) for c in ADMIN_ROLES}
    if len(admin_codes) > 1:
        names = "、".join(r.name for r in roles if r.code in admin_codes)
        raise BusinessError(f"三员分立：同一账号不能同时担任{names}", field="roles")
    duties.check_separation(after, subject=f"用户“{user.username}”", field="roles")
    current = list(user.roles.all())
    try:
        target_duties = _admin_target_check(actor, user, what="调整角色")
    except BusinessError as exc:
        raise BusinessError(exc.message, field="roles") from exc
    if not _is_system(actor):
        is_security = duties.Duty.SECURITY in duties.user_admin_duties(actor)
        if target_duties and not is_security:
            added = {r.pk for r in roles} - {r.pk for r in current}
            if added:
                raise BusinessError(
                    "三员分立：只能撤销该管理员的角色，授予角色须由安全管理员办理", field="roles"
                )
        elif not actor.has_perm("accounts.assign_role"):
            raise BusinessError("您没有为用户分配角色的权限", field="roles")
        else:
            assert_visible(User, actor, user.pk, "view")
    before = sorted(r.name for r in current)
    user.roles.set(roles)
    user.clear_role_cache()
    after_names = sorted(r.name for r in roles)
    record_operation(
        actor=actor,
        module="用户管理",
        business_type=BusinessType.GRANT,
        action=f"设置用户“{user.username}”的角色",
        target=user,
        extra={"before": before, "after": after_names},
    )
    if before != after_names:
        _tell_owner(
            user,
            actor=actor,
            title="您的角色已调整",
            body=f"{_display(actor)}于{_now_text()}将您的角色由“{'、'.join(before) or '无'}”"
            f"调整为“{'、'.join(after_names) or '无'}”。",
        )
    return user


def _display(actor: Any) -> str:
    if actor is None:
        return "系统"
    return str(actor)


def _now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def _permissions(names: list[str] | tuple[str, ...]) -> QuerySet[Permission]:
    from django.db.models import Q

    q = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        q |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(q)


def _check_role_actor(actor: Any, role: Role, *, what: str) -> None:
    """Nobody edits, enables or disables a role he holds (that would be granting himself)."""
    if _is_system(actor):
        return
    if not actor.has_perm("accounts.change_role"):
        raise BusinessError("您没有管理角色的权限")
    if role.pk and actor.roles.filter(pk=role.pk).exists():
        raise BusinessError(f"不能{what}本人持有的角色“{role.name}”，请由其他安全管理员办理")


def _check_holders(role: Role, perm_names: set[str], *, actor: Any, active: bool) -> None:
    """After ``role`` carries ``perm_names`` (and is ``active``), may every holder keep it?"""
    if not active or actor is None:
        # ``None``: the code restoring a built-in role; ``manage.py check_duties`` reports holders.
        return
    holders = list(role.users.filter(is_active=True).prefetch_related("roles"))
    offenders: list[User] = []
    found: set[str] = set()
    for holder in holders:
        others = [r for r in holder.roles.all() if r.pk != role.pk and r.status == Status.ACTIVE]
        combined = duties.role_permission_names(others) | perm_names
        spanned = duties.duties_of(combined)
        if len(spanned) > 1:
            offenders.append(holder)
            found |= spanned
    if not offenders:
        return
    visible = set(User.objects.visible_to(actor, "view").filter(pk__in=[u.pk for u in offenders]))
    named = "、".join(f"“{u.username}”" for u in offenders if u in visible)
    raise BusinessError(
        f"三员分立：修改后有 {len(offenders)} 个持有该角色的账号"
        + (f"（{named}）" if named else "")
        + f"将同时具有{duties.labels(found)}职责，不能兼任；请先调整这些账号的角色",
        field="permissions",
    )


def _protected(role: Role) -> bool:
    return role.is_builtin and role.code in {str(c) for c in ADMIN_ROLES}


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
    if not _is_system(actor) and not actor.has_perm("accounts.add_role"):
        raise BusinessError("您没有管理角色的权限")
    if Role.objects.filter(name=name).exists():
        raise BusinessError(f"角色名称“{name}”已存在", field="name")
    if Role.objects.filter(code=code).exists():
        raise BusinessError(f"角色编码“{code}”已存在", field="code")
    permissions = list(permissions)
    duties.check_separation(
        duties.permission_names(permissions), subject=f"角色“{name}”", field="permissions"
    )
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
        extra={"permissions": sorted(duties.permission_names(permissions))},
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
    """Edit a role. Nobody edits a role he holds; the three built-in administrator roles keep the
    permissions and data scope the code gives them; no role may span two 三员 duties, and no holder
    may end up with two through this change."""
    role = Role.objects.select_for_update().get(pk=role.pk)
    allowed = {"name", "data_scope", "remark", "sort"}
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    _check_role_actor(actor, role, what="修改")
    before_perms = set(role.group.permissions.all())
    before_orgs = set(role.custom_org_ids())
    new_perms = set(permissions) if permissions is not None else before_perms
    if _protected(role) and not _is_system(actor):
        changed = (
            new_perms != before_perms
            or data.get("data_scope", role.data_scope) != role.data_scope
            or (custom_orgs is not None and {o.pk for o in custom_orgs} != before_orgs)
        )
        if changed:
            raise BusinessError(
                f"“{role.name}”是三员角色，其功能权限和数据范围由系统固定，不能修改",
                field="permissions",
            )
    new_names = duties.permission_names(new_perms)
    duties.check_separation(new_names, subject=f"角色“{role.name}”", field="permissions")
    _check_holders(role, new_names, actor=actor, active=role.status == Status.ACTIVE)
    scope_before = (role.data_scope, sorted(before_orgs))
    for key, value in data.items():
        setattr(role, key, value)
    role.updated_by = actor
    role.full_clean(exclude=["group"])
    role.save()
    if permissions is not None:
        before = sorted(duties.permission_names(before_perms))
        role.group.permissions.set(new_perms)
        after = sorted(new_names)
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
        role._custom_org_ids = [o.pk for o in custom_orgs]
    scope_after = (role.data_scope, sorted(role.custom_org_ids()))
    if scope_after != scope_before:
        record_operation(
            actor=actor,
            module="角色管理",
            business_type=BusinessType.GRANT,
            action=f"修改角色“{role.name}”的数据范围",
            target=role,
            extra={"before": scope_before, "after": scope_after},
        )
    return role


@transaction.atomic
def role_set_status(*, actor: Any, role: Role, status: str) -> Role:
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.status == status:
        return role
    _check_role_actor(actor, role, what="启用" if status == Status.ACTIVE else "停用")
    if _protected(role) and status != Status.ACTIVE and not _is_system(actor):
        raise BusinessError(f"“{role.name}”是三员角色，不能停用")
    if status == Status.ACTIVE:
        _check_holders(
            role,
            duties.permission_names(role.group.permissions.select_related("content_type")),
            actor=actor,
            active=True,
        )
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
    """Create the built-in roles that are missing (and with ``reset`` restore their defaults).

    The three administrator roles (三员) are always restored: their permissions and data scope are
    fixed by the code, so every migration puts them back as the code says.
    """
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
        elif reset or spec.code in {str(c) for c in ADMIN_ROLES}:
            if not reset and _matches_spec(role, spec, perms):
                continue
            role_update(
                actor=None,
                role=role,
                data={"data_scope": spec.data_scope, "remark": spec.remark},
                permissions=perms,
                custom_orgs=[],
            )
            if role.status != Status.ACTIVE and spec.code in {str(c) for c in ADMIN_ROLES}:
                role_set_status(actor=None, role=role, status=Status.ACTIVE)
            updated += 1
    return {"created": created, "updated": updated}


def _matches_spec(role: Role, spec: Any, perms: QuerySet[Permission]) -> bool:
    return (
        role.data_scope == spec.data_scope
        and role.status == Status.ACTIVE
        and not role.custom_org_ids()
        and set(role.group.permissions.values_list("pk", flat=True))
        == set(perms.values_list("pk", flat=True))
    )


def token_max_days() -> int:
    from django.conf import settings

    return max(1, int(getattr(settings, "JIANGQIAO_API_TOKEN_MAX_DAYS", 365)))


@transaction.atomic
def token_issue(
    *, actor: User, name: str, days: int, read_only: bool = True, scopes: Any = ()
) -> tuple[ApiToken, str]:
    """Issue a personal API token for ``actor``; returns the token and its key (shown once).

    ``scopes`` limits it to API areas (``TokenScope``; e.g. an exchange peer's token can call only
    the exchange endpoints); none: every API the account may use."""
    from .authentication import KEY_PREFIX, hash_key
    from .choices import TokenScope

    if isinstance(scopes, str) or not all(isinstance(s, str) for s in scopes or ()):
        raise BusinessError("使用范围：应为范围代码的列表", field="scopes")
    unknown = [s for s in scopes or () if s not in TokenScope.values]
    if unknown:
        raise BusinessError(f"使用范围：未知的范围“{'、'.join(unknown)}”", field="scopes")
    scope_list = [s for s in TokenScope.values if s in set(scopes or ())]

    if not actor.has_perm("accounts.add_apitoken"):
        raise BusinessError("您没有签发 API 令牌的权限")
    name = (name or "").strip()
    if not name:
        raise BusinessError("用途：请填写令牌的用途，如“全国平台数据交换”", field="name")
    if len(name) > 100:
        raise BusinessError("用途：不能超过 100 个字符", field="name")
    limit = token_max_days()
    if not 1 <= days <= limit:
        raise BusinessError(f"有效天数：应在 1 到 {limit} 天之间", field="days")
    active = ApiToken.objects.filter(
        user=actor, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise BusinessError(
            f"每个账号最多同时持有 {MAX_ACTIVE_TOKENS} 个有效令牌，请先吊销不用的令牌"
        )
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        key_prefix=key[:8],
        key_hash=hash_key(key),
        read_only=read_only,
        scopes=scope_list,
        expires_at=timezone.now() + timedelta(days=days),
    )
    record_operation(
        actor=actor,
        module="API 令牌",
        business_type=BusinessType.GRANT,
        action=f"签发 API 令牌“{token}”（{'只读' if read_only else '读写'}，{days} 天，"
        f"范围：{token.scope_labels}）",
        target=actor,
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner, or whoever may revoke others' tokens within his scope."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if actor is not None and actor.pk != token.user_id:
        if not actor.has_perm("accounts.revoke_apitoken"):
            raise BusinessError("您没有吊销他人令牌的权限")
        assert_visible(ApiToken, actor, token.pk, "view")
    if token.revoked_at:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    record_operation(
        actor=actor,
        module="API 令牌",
        business_type=BusinessType.GRANT,
        action=f"吊销用户“{token.user.username}”的 API 令牌“{token}”",
        target=token.user,
    )
    if actor is not None and actor.pk != token.user_id:
        _tell_owner(
            token.user,
            actor=actor,
            title="您的 API 令牌已被吊销",
            body=f"{_display(actor)}于{_now_text()}吊销了您的 API 令牌“{token}”。",
        )
    return token


def purge_token_uses(cutoff: Any, *, dry_run: bool, batch: int) -> int:
    """Retention of the API token use log: rows older than ``cutoff`` go (core.retention)."""
    from jiangqiao.core.retention import in_batches

    ids = list(
        ApiTokenUse.objects.filter(time__lt=cutoff).order_by("pk").values_list("pk", flat=True)
    )
    if not dry_run:
        for chunk in in_batches(ids, batch):
            ApiTokenUse.objects.filter(pk__in=chunk).delete()
    return len(ids)


def _revoke_all_tokens(*, actor: Any, user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
