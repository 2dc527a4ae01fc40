from __future__ import annotations

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "jiangqiao.matching"
    label = "matching"
    verbose_name = "供需匹配"

    def ready(self) -> None:
        from . import jobs, signals  # noqa: F401 — job kinds and the embedding hooks

        signals.connect()

        from jiangqiao.talents.signals import consent_withdrawn

        from . import services

        consent_withdrawn.connect(
            services.on_consent_withdrawn, dispatch_uid="matching.proposals_after_consent_withdrawn"
        )

        from jiangqiao.core import health as core_health
        from jiangqiao.core import metrics

        from . import health

        core_health.register("matching_index", health.index_status)
        metrics.register_gauge(
            "jiangqiao_matching_index_age_seconds",
            "Seconds since the matching index of the process that answers was synced",
            health.index_age_seconds,
        )
