"""Chain the login-log rows written before the log was chained, in id order."""

from django.db import migrations

LOGIN_FIELDS = ("time", "username", "status", "ip", "user_agent", "message")


def chain(apps, schema_editor):
    from jiangqiao.core.auditchain import chain_existing

    chain_existing(
        apps.get_model("accounts", "LoginLog"),
        apps.get_model("core", "AuditChainHead"),
        log="login",
        names=LOGIN_FIELDS,
    )


def unchain(apps, schema_editor):
    apps.get_model("core", "AuditChainHead").objects.filter(log="login").delete()
    apps.get_model("accounts", "LoginLog").objects.update(chain_seq=None, chain_hash="")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_loginlog_chain"), ("core", "0011_audit_chain")]

    operations = [migrations.RunPython(chain, unchain)]
