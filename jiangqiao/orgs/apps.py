from __future__ import annotations

from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "jiangqiao.orgs"
    label = "orgs"
    verbose_name = "组织机构"
