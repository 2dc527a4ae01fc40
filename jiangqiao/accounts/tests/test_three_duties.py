"""三员分立 under attack (issue 12 items 1–4): decided on the permissions a person ends up with.

Each test reproduces a step of the cross-role probe on the demo; all of them passed the attack on
the code before the fix. The matrix at the end tries every cross-duty account action.
"""

from __future__ import annotations

import html
import itertools

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from jiangqiao.accounts import services
from jiangqiao.accounts.models import Role, User
from jiangqiao.core.choices import DataScope, Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user

pytestmark = pytest.mark.django_db

DUTY_ROLES = {"system": "system_admin", "security": "security_admin", "audit": "audit_admin"}
# One permission of each duty, to build custom roles that try to merge them.
DUTY_PERM = {
    "system": "accounts.change_user",
    "security": "accounts.assign_role",
    "audit": "core.view_all_logs",
}


def _perm(name: str) -> Permission:
    app, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=codename)


def _role(code: str) -> Role:
    return Role.objects.get(code=code)


@pytest.fixture
def admins(world):
    """Two holders of each built-in 三员 role."""
    return {
        (duty, n): make_user(f"{duty}{n}", world.province, _role(code))
        for duty, code in DUTY_ROLES.items()
        for n in (1, 2)
    }


def _role_form(role: Role, perms: list[Permission], scope: str = DataScope.ALL) -> dict:
    return {
        "name": role.name,
        "data_scope": scope,
        "sort": role.sort,
        "remark": role.remark,
        "permissions": [p.pk for p in perms],
    }


# --- item 1: the security administrator grants himself everything ------------------------------


def test_security_admin_cannot_edit_the_role_he_holds(client, admins, world):
    sec = admins[("security", 1)]
    role = _role("security_admin")
    before = set(role.group.permissions.values_list("pk", flat=True))
    client.force_login(sec)
    from jiangqiao.accounts.forms import permission_choices

    everything = list(permission_choices())
    response = client.post(
        reverse("accounts:role_edit", args=[role.pk]), _role_form(role, everything)
    )
    assert response.status_code == 400
    assert set(role.group.permissions.values_list("pk", flat=True)) == before
    # The same session still cannot read business data or the logs.
    assert client.get(reverse("talents:craftsman_list")).status_code == 403
    assert client.get(reverse("core:changelog_list")).status_code == 403
    assert client.get("/api/v1/talents/craftsmen/").status_code == 403


def test_nobody_edits_or_disables_a_role_he_holds(world):
    staff_role = _role("union_staff")
    # A custom security role, held by its editor.
    sec_role = services.role_create(
        actor=None,
        code="sec_custom",
        name="安全员（自定义）",
        data_scope=DataScope.ALL,
        permissions=[_perm("accounts.change_role"), _perm("accounts.view_role")],
    )
    sec = make_user("sec_custom_holder", world.province, sec_role)
    with pytest.raises(BusinessError, match="本人持有的角色"):
        services.role_update(
            actor=sec,
            role=sec_role,
            data={"data_scope": DataScope.ALL},
            permissions=[*sec_role.group.permissions.all(), _perm("talents.view_craftsman")],
        )
    with pytest.raises(BusinessError, match="本人持有的角色"):
        services.role_set_status(actor=sec, role=sec_role, status=Status.DISABLED)
    # A role he does not hold: fine.
    services.role_update(actor=sec, role=staff_role, data={"remark": "各级工会工作人员"})


def test_builtin_admin_roles_keep_the_permissions_the_code_gives_them(admins):
    sec = admins[("security", 1)]
    for code in ("system_admin", "audit_admin"):
        role = _role(code)
        perms = list(role.group.permissions.all())
        with pytest.raises(BusinessError, match="由系统固定"):
            services.role_update(
                actor=sec,
                role=role,
                data={},
                permissions=[*perms, _perm("talents.view_sensitive_craftsman")],
            )
        with pytest.raises(BusinessError, match="由系统固定"):
            services.role_update(actor=sec, role=role, data={"data_scope": DataScope.SELF})
        with pytest.raises(BusinessError, match="不能停用"):
            services.role_set_status(actor=sec, role=role, status=Status.DISABLED)
    # Name and remark may still be edited.
    services.role_update(actor=sec, role=_role("audit_admin"), data={"remark": "审计"})
    assert _role("audit_admin").remark == "审计"


def test_migrate_restores_the_admin_roles_from_the_code():
    role = _role("audit_admin")
    role.group.permissions.add(_perm("talents.view_craftsman"))
    Role.objects.filter(pk=role.pk).update(data_scope=DataScope.SELF)
    services.ensure_builtin_roles()
    role.refresh_from_db()
    assert role.data_scope == DataScope.ALL
    assert set(role.group.permissions.values_list("codename", flat=True)) == {
        "view_changelog",
        "view_operationlog",
        "view_loginlog",
        "view_all_logs",
    }


# --- item 2: a custom role (or several) merges the duties --------------------------------------


@pytest.mark.parametrize("pair", list(itertools.combinations(DUTY_PERM, 2)))
def test_a_role_never_carries_two_duties(pair, admins):
    sec = admins[("security", 1)]
    perms = [_perm(DUTY_PERM[d]) for d in pair]
    with pytest.raises(BusinessError, match="三员分立"):
        services.role_create(
            actor=sec, code="merged", name="合并角色", data_scope="all", permissions=perms
        )
    assert not Role.objects.filter(code="merged").exists()
    plain = services.role_create(
        actor=sec, code="plain", name="单一职责", data_scope="all", permissions=perms[:1]
    )
    with pytest.raises(BusinessError, match="三员分立"):
        services.role_update(actor=sec, role=plain, data={}, permissions=perms)


def test_the_role_page_refuses_a_role_with_all_three_duties(client, admins):
    client.force_login(admins[("security", 1)])
    response = client.post(
        reverse("accounts:role_create"),
        {
            "code": "superrole",
            "name": "全能",
            "data_scope": "all",
            "sort": 0,
            "permissions": [_perm(p).pk for p in DUTY_PERM.values()],
        },
    )
    assert response.status_code == 400
    assert "三员分立" in response.content.decode()
    assert not Role.objects.filter(code="superrole").exists()


def test_two_single_duty_roles_cannot_be_held_together(world, admins):
    sec = admins[("security", 1)]
    users_role = services.role_create(
        actor=None,
        code="user_keeper",
        name="账号维护",
        data_scope="all",
        permissions=[_perm("accounts.add_user"), _perm("accounts.change_user")],
    )
    grant_role = services.role_create(
        actor=None,
        code="grant_keeper",
        name="授权维护",
        data_scope="all",
        permissions=[_perm("accounts.assign_role")],
    )
    logs_role = services.role_create(
        actor=None,
        code="log_reader",
        name="日志查阅",
        data_scope="all",
        permissions=[_perm("core.view_all_logs")],
    )
    target = make_user("merger", world.province)
    for pair in itertools.combinations([users_role, grant_role, logs_role], 2):
        with pytest.raises(BusinessError, match="三员分立"):
            services.user_set_roles(actor=sec, user=target, roles=list(pair))
        assert target.roles.count() == 0
    # Union staff maintain units (system duty): never also the auditor.
    with pytest.raises(BusinessError, match="三员分立"):
        services.user_set_roles(
            actor=sec, user=target, roles=[_role("union_staff"), _role("audit_admin")]
        )


def test_editing_a_role_cannot_merge_the_duties_of_its_holders(world, admins):
    sec = admins[("security", 1)]
    helper = services.role_create(
        actor=None,
        code="helper",
        name="助手",
        data_scope="all",
        permissions=[_perm("talents.view_craftsman")],
    )
    services.user_set_roles(
        actor=sec, user=admins[("system", 2)], roles=[_role("system_admin"), helper]
    )
    with pytest.raises(BusinessError, match="三员分立"):
        services.role_update(
            actor=sec,
            role=helper,
            data={},
            permissions=[_perm("talents.view_craftsman"), _perm("core.view_all_logs")],
        )
    # Disabled, then given the audit permission, then enabled again: refused at the enabling.
    services.role_set_status(actor=sec, role=helper, status=Status.DISABLED)
    services.role_update(actor=sec, role=helper, data={}, permissions=[_perm("core.view_all_logs")])
    with pytest.raises(BusinessError, match="三员分立"):
        services.role_set_status(actor=sec, role=helper, status=Status.ACTIVE)


# --- item 3: the system administrator takes over the auditor (or the security admin) ----------

# Who may reset / disable whose account: the duty set over it, never self, never the same duty.
MANAGED_BY = {"system": "security", "security": "system", "audit": "security"}


def _try(client, actor, target, action):
    client.force_login(actor)
    if action == "reset":
        url = reverse("accounts:user_reset_password", args=[target.pk])
        response = client.post(url, follow=True)
    else:
        url = reverse("accounts:user_status", args=[target.pk])
        response = client.post(url, {"status": "disabled"}, follow=True)
    return response


@pytest.mark.parametrize("action", ["reset", "disable"])
@pytest.mark.parametrize("actor_duty", list(DUTY_ROLES))
@pytest.mark.parametrize("target_duty", list(DUTY_ROLES))
def test_admin_accounts_are_managed_only_by_the_duty_over_them(
    client, admins, action, actor_duty, target_duty
):
    actor = admins[(actor_duty, 1)]
    target = admins[(target_duty, 2)]
    password_before = User.objects.get(pk=target.pk).password
    _try(client, actor, target, action)
    target.refresh_from_db()
    changed = target.password != password_before if action == "reset" else not target.is_active
    assert changed == (MANAGED_BY[target_duty] == actor_duty), (actor_duty, target_duty, action)


@pytest.mark.parametrize("duty", list(DUTY_ROLES))
def test_nobody_resets_or_disables_his_own_admin_account(client, admins, duty):
    me = admins[(duty, 1)]
    password_before = me.password
    for action in ("reset", "disable"):
        _try(client, me, me, action)
        me.refresh_from_db()
        assert me.password == password_before and me.is_active


def test_system_admin_cannot_take_over_the_auditor(client, admins):
    sysadmin, auditor = admins[("system", 1)], admins[("audit", 1)]
    response = _try(client, sysadmin, auditor, "reset")
    auditor.refresh_from_db()
    assert not auditor.must_change_password
    text = response.content.decode()
    assert "新的初始密码" not in text and "前半段" not in text
    assert "安全管理管理员" in text  # the message says who may do it


def test_an_admin_password_reset_is_never_shown_whole_to_one_person(client, admins):
    """The security admin resets the system admin: he sees half, the auditor gets the other half."""
    from jiangqiao.core.models import Notification

    sec, sysadmin, auditor = admins[("security", 1)], admins[("system", 2)], admins[("audit", 1)]
    response = _try(client, sec, sysadmin, "reset")
    text = html.unescape(response.content.decode())  # the password may hold & < >
    assert "前半段" in text
    first = text.split("前半段：", 1)[1].split("（", 1)[0]
    assert len(first) == 8
    sysadmin.refresh_from_db()
    assert not sysadmin.check_password(first)
    half = Notification.objects.get(recipient=auditor, secret_key=f"password-reset:{sysadmin.pk}")
    assert half.secret and half.secret not in text
    assert sysadmin.check_password(first + half.secret)
    # The resetting security administrator got no half through the messages.
    assert not Notification.objects.filter(recipient=sec).exclude(secret="").exists()
    # The auditor reads it on his message page; once the owner changes the password it is gone.
    client.force_login(auditor)
    page = html.unescape(
        client.get(reverse("core:notification_detail", args=[half.pk])).content.decode()
    )
    assert half.secret in page
    second = half.secret
    services.password_change(
        user=sysadmin, old_password=first + second, new_password="Sys#Admin-2026x"
    )
    half.refresh_from_db()
    assert half.secret == ""
    page = html.unescape(
        client.get(reverse("core:notification_detail", args=[half.pk])).content.decode()
    )
    assert second not in page and "该口令已失效" in page


def test_every_admin_account_action_notifies_the_owner(admins):
    from jiangqiao.core.models import Notification

    sec, sysadmin2 = admins[("security", 1)], admins[("system", 2)]
    services.user_reset_password(actor=sec, user=sysadmin2)
    services.user_set_active(actor=sec, user=sysadmin2, active=False)
    services.user_set_active(actor=sec, user=sysadmin2, active=True)
    services.user_set_roles(actor=sec, user=sysadmin2, roles=[])
    titles = list(
        Notification.objects.filter(recipient=sysadmin2)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles == ["您的密码已被重置", "您的账号已停用", "您的账号已启用", "您的角色已调整"]
    assert all(n.actor_name == str(sec) for n in Notification.objects.filter(recipient=sysadmin2))


def test_roles_of_admin_accounts(admins, world):
    sec1, sec2 = admins[("security", 1)], admins[("security", 2)]
    sys1 = admins[("system", 1)]
    # A security admin may not re-role another security admin (same duty) …
    with pytest.raises(BusinessError, match="三员分立"):
        services.user_set_roles(actor=sec1, user=sec2, roles=[])
    # … the system admin may take the role away, never grant one.
    with pytest.raises(BusinessError, match="只能撤销"):
        services.user_set_roles(
            actor=sys1, user=sec2, roles=[_role("security_admin"), _role("provincial_task_force")]
        )
    services.user_set_roles(actor=sys1, user=sec2, roles=[])
    assert sec2.roles.count() == 0
    # The system admin still cannot grant roles to ordinary accounts.
    clerk = make_user("plain_clerk", world.county_a1)
    with pytest.raises(BusinessError, match="没有为用户分配角色的权限"):
        services.user_set_roles(actor=sys1, user=clerk, roles=[_role("union_staff")])
    # The security admin re-roles the system admin and the auditor.
    services.user_set_roles(actor=sec1, user=admins[("audit", 2)], roles=[_role("audit_admin")])


# --- item 4: moving a user to another unit is a scope grant -----------------------------------


@pytest.fixture
def county_staff(world):
    return make_user("ns_clerk", world.county_a1, _role("union_staff"))


def test_system_admin_alone_cannot_move_a_user_up(client, admins, county_staff, world):
    sysadmin = admins[("system", 1)]
    client.force_login(sysadmin)
    response = client.post(
        reverse("accounts:user_edit", args=[county_staff.pk]),
        {
            "real_name": "南山职员",
            "org": world.province.pk,
            "email": "",
            "remark": "",
            "move_reason": "借调省总",
        },
    )
    assert response.status_code == 302
    county_staff.refresh_from_db()
    assert county_staff.org_id == world.county_a1.pk
    # Through the API as well: the unit does not change.
    api = client.patch(
        f"/api/v1/accounts/users/{county_staff.pk}/",
        {"org": world.city_b.pk},
        content_type="application/json",
    )
    assert api.status_code in (202, 400)
    county_staff.refresh_from_db()
    assert county_staff.org_id == world.county_a1.pk


def test_a_move_up_waits_for_the_security_admin_and_takes_effect_on_live_sessions(
    client, admins, county_staff, world
):
    from django.test import Client

    from jiangqiao.core.models import ApprovalRequest

    sysadmin, sec = admins[("system", 1)], admins[("security", 1)]
    own = Client()
    own.force_login(county_staff)
    before = own.get("/api/v1/orgs/organizations/").json()["count"]

    request = services.user_move(actor=sysadmin, user=county_staff, org=world.province)
    assert request is not None
    assert request.status == "pending"
    county_staff.refresh_from_db()
    assert county_staff.org_id == world.county_a1.pk
    # The requester cannot approve it, nor the user it concerns.
    client.force_login(sysadmin)
    page = client.post(reverse("core:approval_detail", args=[request.pk]), {"action": "approve"})
    assert page.status_code in (400, 404)
    client.force_login(sec)
    assert client.get(reverse("core:approval_list")).status_code == 200
    response = client.post(
        reverse("core:approval_detail", args=[request.pk]),
        {"action": "approve", "decision_note": "同意借调"},
    )
    assert response.status_code == 302
    county_staff.refresh_from_db()
    assert county_staff.org_id == world.province.pk
    assert ApprovalRequest.objects.get(pk=request.pk).decided_by == sec
    grant = OperationLog.objects.filter(
        business_type="grant", target_id=str(county_staff.pk)
    ).latest("pk")
    assert grant.extra["approved_by"] == sec.username
    # The session that was open before the move sees the province now, without logging in again.
    after = own.get("/api/v1/orgs/organizations/").json()["count"]
    assert after > before
    # A second approval of the same request is refused with a clear message.
    again = client.post(reverse("core:approval_detail", args=[request.pk]), {"action": "approve"})
    assert again.status_code == 400
    assert "已由" in again.content.decode()


def test_a_move_down_narrows_the_scope_and_applies_at_once(admins, world):
    sysadmin = admins[("system", 1)]
    city_clerk = make_user("sz_clerk", world.city_a, _role("union_staff"))
    assert services.user_move(actor=sysadmin, user=city_clerk, org=world.county_a2) is None
    city_clerk.refresh_from_db()
    assert city_clerk.org_id == world.county_a2.pk
    # Sideways (宝安 → 南山) widens again: needs approval.
    assert services.user_move(actor=sysadmin, user=city_clerk, org=world.county_a1) is not None
    city_clerk.refresh_from_db()
    assert city_clerk.org_id == world.county_a2.pk


def test_check_duties_reports_what_an_old_database_may_hold(world, admins):
    """A database from before these rules may hold merged roles or accounts: the command finds them."""
    from io import StringIO

    from django.contrib.auth.models import Group
    from django.core.management import CommandError, call_command

    User.objects.filter(pk=world.superuser.pk).update(is_active=False)
    clean = StringIO()
    call_command("check_duties", stdout=clean)
    assert "未发现问题" in clean.getvalue()

    User.objects.filter(pk=world.superuser.pk).update(is_active=True)
    role = Role.objects.create(
        group=Group.objects.create(name="role:legacy"),
        code="legacy",
        name="旧的全能角色",
        data_scope=DataScope.ALL,
    )
    role.group.permissions.set([_perm(p) for p in DUTY_PERM.values()])
    make_user("legacy_admin", world.province, role)
    out = StringIO()
    with pytest.raises(CommandError, match="发现 3 个问题"):
        call_command("check_duties", stdout=out)
    text = out.getvalue()
    assert "旧的全能角色" in text and "legacy_admin" in text and "superuser" in text
