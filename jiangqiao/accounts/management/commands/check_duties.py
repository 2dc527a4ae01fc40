"""`manage.py check_duties`: list every role and account that breaks 三员分立 (exit status 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jiangqiao.accounts import duties
from jiangqiao.accounts.models import Role, User


class Command(BaseCommand):
    help = (
        "检查三员分立：列出功能权限跨两种管理职责的角色和账号（按账号最终拥有的权限判断），"
        "以及可登录的超级管理员账号；发现问题时退出码为 1。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = 0
        for role in Role.objects.prefetch_related("group__permissions__content_type"):
            spanned = duties.duties_of(duties.permission_names(role.group.permissions.all()))
            if len(spanned) > 1:
                problems += 1
                self.stdout.write(f"角色“{role.name}”（{role.code}）：{duties.labels(spanned)}")
        for user in User.objects.filter(is_active=True, is_superuser=False).prefetch_related(
            "roles"
        ):
            spanned = duties.user_duties(user)
            if len(spanned) > 1:
                problems += 1
                self.stdout.write(f"账号“{user.username}”：{duties.labels(spanned)}")
        for user in User.objects.filter(is_active=True, is_superuser=True):
            if user.has_usable_password():
                problems += 1
                self.stdout.write(
                    f"账号“{user.username}”是可登录的超级管理员，同时具有三种职责；"
                    "上线后请停用，日常管理由三员分别办理"
                )
        if problems:
            raise CommandError(f"三员分立检查：发现 {problems} 个问题")
        self.stdout.write(self.style.SUCCESS("三员分立检查：未发现问题"))
