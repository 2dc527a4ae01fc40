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
            "Seconds since the index builder last synced the shared matching index",
            health.index_age_seconds,
        )

        from django.conf import settings

        from jiangqiao.core import periodic

        from . import shared

        if getattr(settings, "JIANGQIAO_MATCH_INDEX_BUILDER", "periodic") == "periodic":
            # make run / one server: run_periodic --loop is the builder. On several web nodes each
            # runs ``manage.py matching_index --loop`` instead (builder "service", docs/deploy.md).
            periodic.register(
                "matching_index",
                shared.refresh,
                every=float(getattr(settings, "JIANGQIAO_MATCH_INDEX_REFRESH_SECONDS", 20)),
                label="更新共享的匹配索引",
            )
