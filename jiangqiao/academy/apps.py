from __future__ import annotations

from django.apps import AppConfig


class AcademyConfig(AppConfig):
    name = "jiangqiao.academy"
    label = "academy"
    verbose_name = "工匠学院"

    def ready(self) -> None:
        from jiangqiao.core.io.registry import register_importer

        from .enrolment_io import EnrolmentImporter
        from .io import AcademyImporter

        register_importer(AcademyImporter)
        register_importer(EnrolmentImporter)
