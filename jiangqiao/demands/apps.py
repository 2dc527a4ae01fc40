from __future__ import annotations

from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "jiangqiao.demands"
    label = "demands"
    verbose_name = "企业需求库"
