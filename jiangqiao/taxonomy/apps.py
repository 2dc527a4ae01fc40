from __future__ import annotations

from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "jiangqiao.taxonomy"
    label = "taxonomy"
    verbose_name = "参考分类"
