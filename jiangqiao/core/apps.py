from __future__ import annotations

from typing import Any

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
        from . import retention

        _core_retention_rules()
        periodic.register(
            "retention_purge", retention.tick, every=24 * 3600, label="按留存期限清理个人信息"
        )
        _untranslated_messages_in_chinese()


def _core_retention_rules() -> None:
    from django.conf import settings

    from . import auditchain, retention

    retention.register(
        retention.RetentionRule(
            code="audit_logs",
            label="登录日志、操作日志、变更日志",
            days=settings.JIANGQIAO_LOG_RETENTION_DAYS,
            action="删除链首超期记录（先校验，再以最后一条为锚点）",
            basis="网络安全法第二十一条：网络日志留存不少于六个月",
            purge=_purge_audit_logs,
            floor=auditchain.LEGAL_MINIMUM_DAYS,
            setting="JIANGQIAO_LOG_RETENTION_DAYS",
        )
    )
    retention.register(
        retention.RetentionRule(
            code="import_files",
            label="导入的表格文件和错误数据表",
            days=90,
            action="删除文件内容（保留批次的统计结果）",
            basis="文件只为核对导入结果而存；三个月足以发现并更正导入问题",
            purge=_purge_import_files,
        )
    )


def _purge_audit_logs(cutoff: Any, *, dry_run: bool, batch: int) -> int:
    from . import auditchain

    auditchain.seal_all()
    return sum(
        auditchain.purge(log, cutoff, dry_run=dry_run).deleted
        for log in sorted(auditchain.chained_models())
    )


def _purge_import_files(cutoff: Any, *, dry_run: bool, batch: int) -> int:
    from django.db.models import Q

    from .models import ImportBatch
    from .retention import in_batches

    due = ImportBatch.objects.filter(created_at__lt=cutoff).filter(
        Q(file_size__gt=0) | Q(error_workbook__isnull=False)
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    if dry_run:
        return len(ids)
    for chunk in in_batches(ids, batch):
        ImportBatch.objects.filter(pk__in=chunk).update(
            file_data=b"", file_size=0, error_workbook=None
        )
    return len(ids)


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
