from __future__ import annotations

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "jiangqiao.casework"
    label = "casework"
    verbose_name = "服务办理"

    def ready(self) -> None:
        from jiangqiao.matching.signals import suggestion_confirmed

        from jiangqiao.core import navigation

        from . import services

        navigation.register(
            "服务办理", navigation.MenuItem("服务邀请", "casework:offer_list", "casework.assign_offer")
        )
        navigation.register(
            "服务办理",
            navigation.MenuItem("我的服务邀请", "casework:my_offers", "casework.respond_offer"),
        )

        suggestion_confirmed.connect(
            services.on_suggestion_confirmed, dispatch_uid="casework.offer_from_suggestion"
        )
