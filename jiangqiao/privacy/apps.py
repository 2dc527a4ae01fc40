from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """个人信息权利 (PIPL art. 44–47): requests of the people whose data the platform holds and
    the staff workflow that answers them; the retention rules of the request data."""

    name = "jiangqiao.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        from . import retention

        retention.register_rules()
