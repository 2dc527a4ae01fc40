from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jiangqiao.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from . import services, signals  # noqa: F401  (services registers its approval kinds)
