from __future__ import annotations

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "jiangqiao.casework"
    label = "casework"
    verbose_name = "服务办理"

    def ready(self) -> None:
        from jiangqiao.matching.signals import suggestion_confirmed

        from . import services

        suggestion_confirmed.connect(
            services.on_suggestion_confirmed, dispatch_uid="casework.offer_from_suggestion"
        )
