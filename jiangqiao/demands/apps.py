from __future__ import annotations

from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "jiangqiao.demands"
    label = "demands"
    verbose_name = "企业需求库"

    def ready(self) -> None:
        from jiangqiao.core.io.registry import register_export, register_importer

        from .io import DEMAND_EXPORT, ENTERPRISE_EXPORT, DemandImporter, EnterpriseImporter

        register_importer(EnterpriseImporter)
        register_importer(DemandImporter)
        register_export(ENTERPRISE_EXPORT)
        register_export(DEMAND_EXPORT)

        from jiangqiao.core import periodic

        from .campaigns import periodic_tick

        # Campaigns past their deadline become 已截止 (a submission after it is refused anyway).
        periodic.register(
            "demands_campaign_tick", periodic_tick, every=3600, label="征集活动截止检查"
        )

        from . import attachments

        attachments.register()
