from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiangqiao.accounts.services import ensure_builtin_roles


class Command(BaseCommand):
    help = "创建缺失的内置角色（系统管理员、安全管理员、审计管理员等）；--reset 恢复其默认权限和数据范围。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="恢复内置角色的默认权限")

    def handle(self, *args: Any, **options: Any) -> None:
        result = ensure_builtin_roles(reset=options["reset"])
        self.stdout.write(f"内置角色：新建 {result['created']} 个，重置 {result['updated']} 个")
