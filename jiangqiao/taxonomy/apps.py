from __future__ import annotations

from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "jiangqiao.taxonomy"
    label = "taxonomy"
    verbose_name = "参考分类"

    def ready(self) -> None:
        from . import jobs  # noqa: F401 — registers the reference-data job kind
