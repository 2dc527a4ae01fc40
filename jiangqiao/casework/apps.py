from __future__ import annotations

from django.apps import AppConfig

#: How often ``run_periodic --loop`` runs the deadline tick (deadlines are in working days).
TICK_SECONDS = 300


class CaseworkConfig(AppConfig):
    name = "jiangqiao.casework"
    label = "casework"
    verbose_name = "服务办理"

    def ready(self) -> None:
        from jiangqiao.core import periodic
        from jiangqiao.demands import services as demand_services
        from jiangqiao.matching.signals import suggestion_confirmed

        from . import services

        demand_services.register_submitter(services.demand_submit)
        suggestion_confirmed.connect(
            services.on_suggestion_confirmed, dispatch_uid="casework.offer_from_suggestion"
        )
        from jiangqiao.talents.signals import consent_withdrawn

        consent_withdrawn.connect(
            services.on_consent_withdrawn, dispatch_uid="casework.offers_after_consent_withdrawn"
        )
        from jiangqiao.core.io.registry import register_importer

        from .session_io import ServiceRecordImporter

        register_importer(ServiceRecordImporter)
        periodic.register(
            "casework_tick", services.tick, every=TICK_SECONDS, label="服务办理期限检查"
        )
        from jiangqiao.demands.models_attachments import register_serving

        from .sessions import evidence_sweep, served_demand_ids

        # The craftsman (or team lead) serving a demand sees its attachments (demands knows
        # nothing of offers).
        register_serving(served_demand_ids)

        periodic.register(
            "casework_evidence_sweep",
            evidence_sweep,
            every=24 * 3600,
            label="清理未被引用的佐证材料文件",
        )
