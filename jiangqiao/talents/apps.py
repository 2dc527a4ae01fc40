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
