"""Chain the change- and operation-log rows written before the logs were chained, in id order."""

from django.db import migrations

CHANGE_FIELDS = (
    "time",
    "user_name",
    "request_id",
    "source",
    "action",
    "content_type",
    "object_id",
    "object_repr",
    "prechange_data",
    "postchange_data",
    "message",
)
OPERATION_FIELDS = (
    "time",
    "module",
    "business_type",
    "action",
    "user_name",
    "method",
    "path",
    "ip",
    "user_agent",
    "request_id",
    "params",
    "status",
    "error",
    "cost_ms",
    "target_id",
    "target_repr",
    "extra",
)


def chain(apps, schema_editor):
    from jiangqiao.core.auditchain import chain_existing

    head = apps.get_model("core", "AuditChainHead")
    chain_existing(apps.get_model("core", "ChangeLog"), head, log="change", names=CHANGE_FIELDS)
    chain_existing(
        apps.get_model("core", "OperationLog"), head, log="operation", names=OPERATION_FIELDS
    )


def unchain(apps, schema_editor):
    apps.get_model("core", "AuditChainHead").objects.filter(log__in=["change", "operation"]).delete()
    for name in ("ChangeLog", "OperationLog"):
        apps.get_model("core", name).objects.update(chain_seq=None, chain_hash="")


class Migration(migrations.Migration):
    dependencies = [("core", "0011_audit_chain")]

    operations = [migrations.RunPython(chain, unchain)]
