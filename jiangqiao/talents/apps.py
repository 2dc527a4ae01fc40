from __future__ import annotations

from django.apps import AppConfig


class TalentsConfig(AppConfig):
    name = "jiangqiao.talents"
    label = "talents"
    verbose_name = "劳模工匠人才资源库"

    def ready(self) -> None:
        from jiangqiao.core.io.registry import register_export, register_importer

        from .io import CRAFTSMAN_EXPORT, CraftsmanImporter

        register_importer(CraftsmanImporter)
        register_export(CRAFTSMAN_EXPORT)

        from jiangqiao.core import retention

        from . import services

        retention.register(
            retention.RetentionRule(
                code="removed_craftsmen",
                label="已移出劳模工匠的身份与联系信息",
                days=services.REMOVED_KEEP_DAYS,
                action="删除姓名、身份证号、手机号等个人信息，保留去标识化的统计数据",
                basis="移出后三年内可能复核荣誉和服务记录；此后不再需要识别本人",
                purge=services.purge_removed,
            )
        )
