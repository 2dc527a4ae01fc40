from __future__ import annotations

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "jiangqiao.matching"
    label = "matching"
    verbose_name = "供需匹配"

    def ready(self) -> None:
        from . import jobs, signals  # noqa: F401 — job kinds and the embedding hooks

        signals.connect()
