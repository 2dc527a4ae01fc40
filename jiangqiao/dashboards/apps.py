from __future__ import annotations

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "jiangqiao.dashboards"
    label = "dashboards"
    verbose_name = "统计驾驶舱"

    def ready(self) -> None:
        from jiangqiao.core import rollups as hook
        from jiangqiao.core.io.registry import register_importer

        from . import report, rollups  # noqa: F401 — report registers its job kind
        from .io import TargetImporter

        hook.listen(rollups.on_changed)
        register_importer(TargetImporter)
