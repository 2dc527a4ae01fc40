from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ObjectStatusView,
    ScopedMixin,
)

from . import second_factor, selectors, services
from .choices import LoginStatus, TokenState
from .filtersets import ApiTokenFilterSet, LoginLogFilterSet, RoleFilterSet, UserFilterSet
from .forms import (
    LoginForm,
    PasswordChangeForm,
    RoleForm,
    SecondFactorForm,
    TokenIssueForm,
    UserForm,
    UserRolesForm,
)
from .middleware import password_change_required
from .models import ApiToken, LoginLog, Role, User
from .tables import LoginLogTable, RoleTable, UserTable


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from jiangqiao.core.context import client_ip

        from .throttling import blocked_for

        wait = blocked_for(client_ip(request))
        if wait:
            from .signals import log_login

            minutes = max(1, -(-wait // 60))
            # In the login log (the security administrator's 登录日志), as a lock of the address.
            log_login(
                request,
                username=str(request.POST.get("username", "")),
                status=LoginStatus.LOCKED,
                message=f"该网络地址登录失败次数过多（按地址限制），暂停登录 {minutes} 分钟",
            )
            return render(
                request,
                "accounts/login.html",
                {
                    "form": LoginForm(request),
                    "locked_message": (
                        f"该网络地址登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试。"
                    ),
                },
                status=429,
            )
        return super().post(request, *args, **kwargs)  # type: ignore[no-any-return]


class LogoutView(auth_views.LogoutView):
    pass


def lockout_response(request: HttpRequest, credentials: Any, *args: Any, **kwargs: Any) -> Any:
    """django-axes lockout page (HTTP 429) in Chinese."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/login.html",
        {
            "form": LoginForm(request),
            "locked_message": (
                f"连续登录失败次数过多，该账号已被锁定（自锁定时起 {minutes} 分钟），请稍后再试。"
            ),
        },
        status=429,
    )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    reason = password_change_required(request.user)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(
                user=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except BusinessError as exc:
            # The password rules speak of “password”: that is the new password on this form.
            field = "new_password1" if exc.field == "password" else exc.field
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改")
            return redirect("core:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "reason": reason, "title": "修改密码"},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"title": "个人信息", "object": request.user})


class UserListView(ObjectListView):
    model = User
    filterset_class = UserFilterSet
    table_class = UserTable
    title = "用户"

    def get_table_queryset(self) -> Any:
        return self.get_queryset().select_related("org").prefetch_related("roles")


class UserDetailView(ObjectDetailView):
    model = User
    template_name = "accounts/user_detail.html"

    def get_extra_context(self, obj: User) -> dict[str, Any]:
        return {
            "actions": selectors.account_actions(actor=self.request.user, user=obj),
            "second_factor": second_factor.has_device(obj),
            "second_factor_required": second_factor.is_required(obj),
        }


class UserEditView(ObjectEditView):
    model = User
    form_class = UserForm

    def save_form(self, form: UserForm, obj: User | None) -> User:
        actor = self.request.user
        roles = form.cleaned_data.get("roles") if "roles" in form.fields else None
        with transaction.atomic():
            if obj is None:
                user, initial = services.user_create(
                    actor=actor,
                    username=form.cleaned_data["username"],
                    org=form.cleaned_data.get("org"),
                    real_name=form.cleaned_data.get("real_name", ""),
                    email=form.cleaned_data.get("email", ""),
                    remark=form.cleaned_data.get("remark", ""),
                )
                messages.info(
                    self.request,
                    f"初始密码：{initial}（只显示这一次，请告知用户；首次登录须修改）",
                )
            else:
                data = {k: form.cleaned_data[k] for k in ("real_name", "email", "remark")}
                user = services.user_update(actor=actor, user=obj, data=data)
                request = services.user_move(
                    actor=actor,
                    user=user,
                    org=form.cleaned_data.get("org"),
                    reason=form.cleaned_data.get("move_reason", ""),
                )
                if request is not None:
                    messages.warning(
                        self.request,
                        "调到上级或平级单位会扩大该用户的数据范围，已提交安全管理员审批；"
                        "批准前所属组织不变。",
                    )
            if roles is not None:
                services.user_set_roles(actor=actor, user=user, roles=list(roles))
        return user


class UserRolesView(LoginRequiredMixin, View):
    """分配角色 on its own page: the 安全管理员 may assign roles but not edit accounts, the 系统管理员
    edits accounts but cannot grant (三员分立) — he may only take roles away from a security
    administrator. ``account_actions`` decides who reaches the page; the service decides again."""

    def get_object(self, pk: int) -> User:
        obj = get_object_or_404(User.objects.visible_to(self.request.user, "view"), pk=pk)
        if not selectors.account_actions(actor=self.request.user, user=obj)["roles"]:
            raise PermissionDenied("您没有为该用户分配角色的权限")
        return obj

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(pk)
        return self.render(obj, UserRolesForm(user=request.user, instance=obj))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(pk)
        form = UserRolesForm(request.POST, user=request.user, instance=obj)
        if form.is_valid():
            try:
                services.user_set_roles(
                    actor=request.user, user=obj, roles=list(form.cleaned_data["roles"])
                )
            except BusinessError as exc:
                form.add_error("roles", exc.message)
            else:
                messages.success(request, "角色已更新")
                return redirect(obj.get_absolute_url())
        return self.render(obj, form, status=400)

    def render(self, obj: User, form: Any, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "generic/object_form.html",
            {
                "form": form,
                "object": obj,
                "title": f"分配角色：{obj}",
                "cancel_url": obj.get_absolute_url(),
            },
            status=status,
        )


class UserStatusView(ObjectStatusView):
    model = User
    # The service decides: administrators' accounts are looked after by another duty (三员分立),
    # which may not hold the ordinary account permissions.
    action = "view"

    def set_status(self, obj: User, status: str) -> User:
        return services.user_set_active(
            actor=self.request.user, user=obj, active=status == "active"
        )


class UserResetPasswordView(ScopedMixin, View):
    model = User
    action = "view"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = self.get_object()
        try:
            reset = services.user_reset_password(actor=request.user, user=user)
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
            return redirect(user.get_absolute_url())
        if reset.split:
            messages.info(
                request,
                f"已重置。新密码的前半段：{reset.shown}（只显示这一次）；后半段已作为站内消息"
                f"发给{reset.delivered_to}。请两人分别当面告知本人，本人登录后须立即修改。",
            )
        else:
            messages.info(
                request, f"已重置，新的初始密码：{reset.shown}（只显示这一次；下次登录须修改）"
            )
        return redirect(user.get_absolute_url())


class RoleListView(ObjectListView):
    model = Role
    filterset_class = RoleFilterSet
    table_class = RoleTable
    title = "角色"


class RoleDetailView(ObjectDetailView):
    model = Role
    template_name = "accounts/role_detail.html"

    def get_extra_context(self, obj: Role) -> dict[str, Any]:
        perms = obj.group.permissions.select_related("content_type").order_by(
            "content_type__app_label", "content_type__model", "codename"
        )
        return {
            "permissions": perms,
            "custom_orgs": obj.custom_orgs.all(),
            "user_count": obj.users.count(),
        }


class RoleEditView(ObjectEditView):
    model = Role
    form_class = RoleForm

    def save_form(self, form: RoleForm, obj: Role | None) -> Role:
        data = form.cleaned_data
        if obj is None:
            return services.role_create(
                actor=self.request.user,
                code=data["code"],
                name=data["name"],
                data_scope=data["data_scope"],
                permissions=data["permissions"],
                custom_orgs=list(data["custom_orgs"]),
                remark=data.get("remark", ""),
                sort=data.get("sort") or 0,
            )
        return services.role_update(
            actor=self.request.user,
            role=obj,
            data={k: data[k] for k in ("name", "data_scope", "remark", "sort")},
            permissions=data["permissions"],
            custom_orgs=list(data["custom_orgs"]),
        )


class RoleStatusView(ObjectStatusView):
    model = Role

    def set_status(self, obj: Role, status: str) -> Role:
        return services.role_set_status(actor=self.request.user, role=obj, status=status)


class LoginLogListView(ObjectListView):
    model = LoginLog
    filterset_class = LoginLogFilterSet
    table_class = LoginLogTable
    title = "登录日志"


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """我的 API 令牌: issue (shown once), list and revoke one's own tokens."""
    user: User = request.user  # type: ignore[assignment]
    can_issue = user.has_perm("accounts.add_apitoken")
    form = TokenIssueForm(
        request.POST if request.method == "POST" else None, max_days=services.token_max_days()
    )
    status = 200
    if request.method == "POST":
        if not can_issue:
            raise PermissionDenied("您没有签发 API 令牌的权限")
        if form.is_valid():
            try:
                token, key = services.token_issue(
                    actor=user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                    read_only=form.cleaned_data["read_only"],
                    scopes=form.cleaned_data["scopes"],
                )
            except BusinessError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.info(
                    request,
                    f"令牌“{token.name}”已签发：{key} —— 只显示这一次，请立即保存；"
                    f"调用接口时在请求头中写 Authorization: Token {key[:8]}…",
                )
                return redirect("accounts:token_list")
        status = 400
    tokens = ApiToken.objects.filter(user=user)
    return render(
        request,
        "accounts/token_list.html",
        {
            "title": "我的 API 令牌",
            "tokens": tokens,
            "form": form if can_issue else None,
            "all_url": "accounts:token_all" if user.has_perm("accounts.view_apitoken") else None,
        },
        status=status,
    )


@login_required
def token_all(request: HttpRequest) -> HttpResponse:
    """令牌管理: every token in the viewer's scope (the security administrator's view)."""
    if not request.user.has_perm("accounts.view_apitoken"):
        raise PermissionDenied("您没有查看 API 令牌的权限")
    filterset = ApiTokenFilterSet(
        request.GET, queryset=ApiToken.objects.visible_to(request.user, "view"), request=request
    )
    # An unknown state shows nothing rather than every token.
    qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    tokens = qs.select_related("user", "user__org", "revoked_by").order_by("-created_at", "-pk")
    state = request.GET.get("state", "") if filterset.is_valid() else ""
    return render(
        request,
        "accounts/token_all.html",
        {
            "title": "API 令牌管理",
            "tokens": tokens[:500],
            "state": state,
            "states": TokenState.choices,
        },
    )


@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("accounts:token_list")
    user: User = request.user  # type: ignore[assignment]
    own = ApiToken.objects.filter(user=user, pk=pk).first()
    token = own or get_object_or_404(ApiToken.objects.visible_to(user, "view"), pk=pk)
    try:
        services.token_revoke(actor=user, token=token)
    except (BusinessError, ScopeViolation) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, f"令牌“{token.name}”已吊销")
    return redirect("accounts:token_list" if own else "accounts:token_all")


def _next_url(request: HttpRequest) -> str:
    from django.conf import settings
    from django.shortcuts import resolve_url
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second login step: a 6-digit code (or a recovery code) after the password."""
    user: User = request.user  # type: ignore[assignment]
    if second_factor.is_verified(user) or not second_factor.has_device(user):
        return redirect(_next_url(request))
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = second_factor.verify(request, form.cleaned_data["code"])
        if result.ok:
            messages.success(request, result.message)
            return redirect(_next_url(request))
        if result.locked:
            # 登录失败处理: the session ends; the password must be given again after the pause.
            auth_logout(request)
            return render(
                request,
                "accounts/login.html",
                {"form": LoginForm(request), "locked_message": result.message},
                status=429,
            )
        form.add_error("code", result.message)
    if request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/second_factor_verify.html",
        {"form": form, "next": _next_url(request), "required": second_factor.is_required(user)},
        status=status,
    )


@login_required
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Enrolment: QR code and secret of a new TOTP device, confirmed with a code from it; then the
    recovery codes, shown once."""
    user: User = request.user  # type: ignore[assignment]
    if second_factor.has_device(user):
        if second_factor.is_verified(user):
            return redirect("accounts:second_factor")
        return redirect("accounts:second_factor_verify")
    device = second_factor.enrolment_device(user)
    form = SecondFactorForm(request.POST or None)
    form.fields["code"].help_text = "扫码后，验证器显示的 6 位数字。"
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.confirm_enrolment(request, form.cleaned_data["code"])
        except BusinessError as exc:
            form.add_error("code" if exc.field == "code" else None, exc.message)
        else:
            return render(
                request,
                "accounts/second_factor_codes.html",
                {"codes": codes, "next": _next_url(request), "enrolled": True},
            )
    return render(
        request,
        "accounts/second_factor_enrol.html",
        {
            "form": form,
            "qr_svg": second_factor.qr_svg(device),
            "secret": second_factor.secret_text(device),
            "required": second_factor.is_required(user),
            "next": _next_url(request),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def second_factor_manage(request: HttpRequest) -> HttpResponse:
    """二次验证 on the own profile: state, new recovery codes; turning it on for optional users."""
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        try:
            codes = second_factor.regenerate_recovery_codes(request)
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:second_factor")
        return render(
            request,
            "accounts/second_factor_codes.html",
            {"codes": codes, "next": reverse("accounts:second_factor"), "enrolled": False},
        )
    device = second_factor.device_of(user)
    return render(
        request,
        "accounts/second_factor.html",
        {
            "title": "二次验证（动态口令）",
            "device": device,
            "required": second_factor.is_required(user),
            "codes_left": second_factor.recovery_codes_left(user) if device else 0,
        },
    )


class UserResetSecondFactorView(ScopedMixin, View):
    model = User
    action = "view"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = self.get_object()
        try:
            second_factor.reset(actor=request.user, user=user)
        except (BusinessError, ScopeViolation) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, "已重置该用户的动态口令；本人下次操作时须重新绑定。")
        return redirect(user.get_absolute_url())
