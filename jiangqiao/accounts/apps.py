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

        from jiangqiao.core import retention
        from jiangqiao.core.auditchain import LEGAL_MINIMUM_DAYS

        retention.register(
            retention.RetentionRule(
                code="api_token_uses",
                label="API 令牌使用记录",
                days=LEGAL_MINIMUM_DAYS,
                action="删除超期的使用记录（令牌本身按其失效时间保留）",
                basis="网络安全法第二十一条：网络日志留存不少于六个月",
                purge=services.purge_token_uses,
                floor=LEGAL_MINIMUM_DAYS,
                setting="JIANGQIAO_LOG_RETENTION_DAYS",
            )
        )
