from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiangqiao.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from . import changelog
        from .io import exporting as _exporting  # noqa: F401 — export job and approval kinds
        from .io import services as _io_services  # noqa: F401 — import/export job kinds

        changelog.connect_signals()
