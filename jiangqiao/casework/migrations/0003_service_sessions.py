"""服务记录 moves from ``matching`` to ``casework``, keeping its table, rows, ids and history.

1. State only: ``casework.ServiceRecord`` is declared on the existing table
   ``matching_servicerecord`` (``matching`` forgets the model in its own migration 0004, state only).
2. The table is renamed to ``casework_servicerecord`` (``ALTER TABLE … RENAME``: rows, ids, indexes
   and constraints stay; nothing references the table yet).
3. The content type ``matching.servicerecord`` becomes ``casework.servicerecord``, so the change-log
   rows of the sessions, the permissions (add/change/view/delete_servicerecord) and the roles and
   users holding them follow the model instead of being orphaned.
4. New columns ``demand`` (one enterprise per session) and ``offer`` (the service the session
   belongs to) are filled from the match: its demand, and the accepted or completed offer made
   from it (``offer.suggestion``; migration 0002 created one for every confirmed match).
   ``match`` becomes optional (sessions of claims or direct requests have none).
``0003_service_sessions_details`` then makes ``demand`` required (a separate migration, so that
PostgreSQL does not alter a table with pending deferred-constraint checks from step 4).
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import jiangqiao.taxonomy.fields


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    rows = ContentType.objects.using(db)
    old = rows.filter(app_label="matching", model="servicerecord").first()
    if old is None:
        return  # a fresh database: post_migrate creates casework.servicerecord
    new = rows.filter(app_label="casework", model="servicerecord").first()
    if new is not None:
        # Created meanwhile (e.g. by a partial run): move what hangs on it to the old one first.
        Permission = apps.get_model("auth", "Permission")
        for perm in Permission.objects.using(db).filter(content_type=new):
            if Permission.objects.using(db).filter(content_type=old, codename=perm.codename).exists():
                perm.delete()
            else:
                perm.content_type = old
                perm.save(update_fields=["content_type"])
        new.delete()
    old.app_label = "casework"
    old.save(update_fields=["app_label"])


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="casework", model="servicerecord").update(
        app_label="matching"
    )


def fill_demand_and_offer(apps, schema_editor):
    ServiceRecord = apps.get_model("casework", "ServiceRecord")
    MatchSuggestion = apps.get_model("matching", "MatchSuggestion")
    Offer = apps.get_model("casework", "Offer")
    db = schema_editor.connection.alias
    match_ids = set(
        ServiceRecord.objects.using(db).filter(match__isnull=False).values_list("match_id", flat=True)
    )
    demand_of = dict(
        MatchSuggestion.objects.using(db).filter(pk__in=match_ids).values_list("pk", "demand_id")
    )
    offer_of = {}
    for pk, suggestion_id in (
        Offer.objects.using(db)
        .filter(suggestion_id__in=match_ids, status__in=["accepted", "completed"])
        .order_by("pk")
        .values_list("pk", "suggestion_id")
    ):
        offer_of[suggestion_id] = pk  # the latest offer of the match wins
    for record in ServiceRecord.objects.using(db).filter(match__isnull=False).only("pk", "match_id"):
        ServiceRecord.objects.using(db).filter(pk=record.pk).update(
            demand_id=demand_of[record.match_id], offer_id=offer_of.get(record.match_id)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0002_offers_from_confirmed_matches"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("demands", "0005_demand_outcome_status_changed"),
        ("matching", "0003_matchrun_status_interrupted"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ServiceRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                        ("date", models.DateField(verbose_name="服务日期")),
                        ("duration_min", models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(100000)], verbose_name="服务时长（分钟）")),
                        ("prep_min", models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(100000)], verbose_name="准备时长（分钟）")),
                        ("travel_min", models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(100000)], verbose_name="路途时长（分钟）")),
                        ("mode", models.CharField(choices=[("onsite", "现场"), ("online", "线上"), ("phone", "电话")], max_length=10, verbose_name="服务方式")),
                        ("activities", models.JSONField(blank=True, default=list, verbose_name="服务内容")),
                        ("location", jiangqiao.taxonomy.fields.TermCodeField("region", blank=True, verbose_name="服务地点")),
                        ("attendees", models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(100000)], verbose_name="企业参与人数")),
                        ("trainees", models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(100000)], verbose_name="培训人数")),
                        ("problems_solved", models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(10000)], verbose_name="解决问题数")),
                        ("notes", models.TextField(blank=True, help_text="问题、诊断、措施、后续安排", max_length=5000, verbose_name="服务纪要")),
                        ("economic_benefit", models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name="产生或节约经济效益（万元）")),
                        ("enterprise_confirmed", models.BooleanField(default=False, verbose_name="企业已确认")),
                        ("created_by", models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="创建人")),
                        ("match", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="service_records", to="matching.matchsuggestion", verbose_name="匹配")),
                        ("updated_by", models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="更新人")),
                    ],
                    options={
                        "verbose_name": "服务记录",
                        "verbose_name_plural": "服务记录",
                        "ordering": ["-date", "-pk"],
                        "db_table": "matching_servicerecord",
                        "indexes": [
                            models.Index(fields=["match", "date"], name="matching_record_match_date"),
                            models.Index(fields=["updated_at"], name="matching_record_updated"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="servicerecord", table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
        migrations.AddField(
            model_name="servicerecord",
            name="demand",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="service_records", to="demands.demand", verbose_name="需求"),
        ),
        migrations.AddField(
            model_name="servicerecord",
            name="offer",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="service_records", to="casework.offer", verbose_name="服务邀请"),
        ),
        migrations.AlterField(
            model_name="servicerecord",
            name="match",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="service_records", to="matching.matchsuggestion", verbose_name="匹配"),
        ),
        migrations.RunPython(fill_demand_and_offer, migrations.RunPython.noop),
    ]
