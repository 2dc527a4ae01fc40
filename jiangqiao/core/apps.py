from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiangqiao.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from django.core import checks

        from . import changelog, home, navigation, object_actions, pickers, workdays
        from .io import exporting as _exporting  # noqa: F401 — export job and approval kinds
        from .io import services as _io_services  # noqa: F401 — import/export job kinds

        changelog.connect_signals()
        workdays.connect_signals()
        # Each app declares its own menu entries in its navigation.py (core knows none of them).
        navigation.autodiscover()
        # Each app declares its own home-page panels in its home.py (core renders them).
        home.autodiscover()
        # Each app declares what its references can be picked by (name search) in pickers.py.
        pickers.autodiscover()
        # Each app declares the buttons it adds to other apps' detail pages in object_actions.py.
        object_actions.autodiscover()
        checks.register(navigation.check_menu, checks.Tags.urls)
        from django.conf import settings

        from . import auditchain, periodic

        checks.register(auditchain.retention_check, checks.Tags.security)
        # Rows are sealed after their transaction commits; this catches those whose process died
        # before sealing them.
        periodic.register(
            "audit_chain_seal",
            auditchain.seal_all,
            every=settings.JIANGQIAO_AUDIT_SEAL_SECONDS,
            label="审计日志封存",
        )
        _untranslated_messages_in_chinese()


def _untranslated_messages_in_chinese() -> None:
    """Field messages that DRF and django-filter ship without a zh-Hans translation."""
    from django.utils.translation import gettext_lazy as _
    from django_filters import fields as filter_fields
    from rest_framework import fields

    fields.BigIntegerField.default_error_messages["invalid"] = _("请填写合法的整数值。")
    fields.FloatField.default_error_messages["overflow"] = _("数值过大，超出允许范围。")
    filter_fields.LookupChoiceField.default_error_messages["lookup_required"] = _(
        "请选择查询方式。"
    )
    filter_fields.BaseRangeField.default_error_messages["invalid_values"] = _(
        "范围查询需要两个值（起、止）。"
    )
