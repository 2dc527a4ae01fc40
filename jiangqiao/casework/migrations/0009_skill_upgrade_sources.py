"""Skill upgrades become one record type for two sources (issue 15 point 6): a service session
or a craftsman-academy class. Existing rows are session upgrades: their unit is their session's
demand's, their certificate date the session's date.

Not atomic as a whole: on PostgreSQL the rows filled by ``fill_org_and_date`` (a foreign key) leave
deferred trigger events that forbid the ``ALTER TABLE`` after them in the same transaction, so
each step commits on its own (the data step is atomic by itself)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import jiangqiao.core.textfields


def fill_org_and_date(apps, schema_editor):
    SkillUpgrade = apps.get_model("casework", "SkillUpgrade")
    ServiceRecord = apps.get_model("casework", "ServiceRecord")
    session = ServiceRecord.objects.filter(pk=OuterRef("session_id"))
    SkillUpgrade.objects.filter(session__isnull=False).update(
        org_id=Subquery(session.values("demand__org_id")[:1]),
        issued_on=Subquery(session.values("date")[:1]),
        source="session",
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casework", "0008_session_participants"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="skillupgrade",
            name="org",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.organization",
                verbose_name="所属组织",
            ),
        ),
        migrations.AddField(
            model_name="skillupgrade",
            name="source",
            field=models.CharField(
                choices=[("session", "服务记录"), ("training", "工匠学院培训")],
                default="session",
                max_length=10,
                verbose_name="来源",
            ),
        ),
        migrations.AddField(
            model_name="skillupgrade",
            name="issuer",
            field=jiangqiao.core.textfields.NormalizedCharField(
                blank=True, max_length=100, verbose_name="发证机构"
            ),
        ),
        migrations.AddField(
            model_name="skillupgrade",
            name="issued_on",
            field=models.DateField(null=True, verbose_name="取证日期"),
        ),
        migrations.AlterField(
            model_name="skillupgrade",
            name="session",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="skill_upgrades",
                to="casework.servicerecord",
                verbose_name="服务记录",
            ),
        ),
        migrations.RunPython(fill_org_and_date, migrations.RunPython.noop, atomic=True),
        migrations.AlterField(
            model_name="skillupgrade",
            name="org",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.organization",
                verbose_name="所属组织",
            ),
        ),
        migrations.AlterField(
            model_name="skillupgrade",
            name="issued_on",
            field=models.DateField(verbose_name="取证日期"),
        ),
        migrations.AddIndex(
            model_name="skillupgrade",
            index=models.Index(fields=["issued_on"], name="casework_upgrade_issued"),
        ),
        migrations.AddConstraint(
            model_name="skillupgrade",
            constraint=models.CheckConstraint(
                condition=models.Q(("session__isnull", False), ("source", "session"))
                | models.Q(
                    models.Q(("source", "session"), _negated=True), ("session__isnull", True)
                ),
                name="casework_upgrade_session_source",
                violation_error_message="来源为服务记录的技能提升须属于一条服务记录",
            ),
        ),
    ]
