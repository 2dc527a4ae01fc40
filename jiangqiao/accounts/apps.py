from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jiangqiao.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from django.conf import settings

        from jiangqiao.core import periodic

        from . import services, signals  # noqa: F401  (services registers its approval kinds)
        from .auditing import check_audit_chains

        periodic.register(
            "audit_chain_check",
            check_audit_chains,
            every=settings.JIANGQIAO_AUDIT_VERIFY_HOURS * 3600,
            label="审计日志完整性校验",
        )
