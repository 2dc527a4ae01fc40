"""Login log writers, connected to Django's auth signals and django-axes' lockout signal."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from jiangqiao.core.context import client_ip

from .choices import LoginStatus
from .models import LoginLog


def log_login(
    request: Any, *, username: str, status: str, user: Any = None, message: str = ""
) -> None:
    if user is None and username:
        user = get_user_model().objects.filter(username=username).first()
    LoginLog.objects.create(
        username=username[:150],
        user=user,
        org_id=getattr(user, "org_id", None),
        status=status,
        ip=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:500] if request is not None else ""),
        message=message,
    )


@receiver(user_logged_in, dispatch_uid="loginlog_success")
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from . import second_factor

    message = "登录成功"
    if second_factor.enforced():
        if second_factor.has_device(user):
            message = "口令正确，待验证动态口令"
        elif second_factor.is_required(user):
            message = "口令正确，须先绑定动态口令"
    log_login(
        request,
        username=user.get_username(),
        status=LoginStatus.SUCCESS,
        user=user,
        message=message,
    )


@receiver(user_login_failed, dispatch_uid="loginlog_failure")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    log_login(
        request,
        username=str(credentials.get("username", "")),
        status=LoginStatus.FAILURE,
        message="用户名或密码错误",
    )
    if request is not None:
        from .throttling import record_failure

        record_failure(client_ip(request))


@receiver(user_logged_out, dispatch_uid="loginlog_logout")
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        log_login(
            request,
            username=user.get_username(),
            status=LoginStatus.LOGOUT,
            user=user,
            message="退出登录",
        )


@receiver(user_locked_out, dispatch_uid="loginlog_locked")
def on_locked_out(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    log_login(
        request,
        username=username or "",
        status=LoginStatus.LOCKED,
        message="连续登录失败次数过多，账号已临时锁定",
    )


def _ensure_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    """Create the built-in roles once every app's permissions exist (the last app's signal)."""
    from django.apps import apps

    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is not with_models[-1]:
        return
    from .services import ensure_builtin_roles

    ensure_builtin_roles()


def connect_post_migrate() -> None:
    from django.db.models.signals import post_migrate

    post_migrate.connect(_ensure_roles_after_migrate, dispatch_uid="jiangqiao_builtin_roles")


connect_post_migrate()
