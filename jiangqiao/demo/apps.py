from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo province's builders and ``manage.py demo_data``: the top of the house (it writes
    through every app's services, and no app imports it)."""

    name = "jiangqiao.demo"
    label = "demo"
    verbose_name = "演示数据"
