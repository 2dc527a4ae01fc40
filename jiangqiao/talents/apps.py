from __future__ import annotations

from django.apps import AppConfig


class TalentsConfig(AppConfig):
    name = "jiangqiao.talents"
    label = "talents"
    verbose_name = "劳模工匠人才资源库"
