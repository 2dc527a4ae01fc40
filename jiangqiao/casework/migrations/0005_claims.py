"""Publication to the claim list and claims (认领); 指派 is relabelled for staff and the task force.

Demands already 已发布 before this migration get an open publication (published when their status
last changed, expiring 30 days from today) so they appear on the list and expire like new ones.
"""

import datetime

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def open_publications(apps, schema_editor):
    Demand = apps.get_model("demands", "Demand")
    Publication = apps.get_model("casework", "Publication")
    now = timezone.now()
    expires = timezone.localdate() + datetime.timedelta(days=30)
    Publication.objects.bulk_create(
        [
            Publication(
                demand_id=pk,
                published_at=changed or now,
                expires_on=expires,
                note="启用认领清单前已发布的需求",
            )
            for pk, changed in Demand.objects.filter(status="published").values_list(
                "pk", "status_changed_at"
            )
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0004_agreements'),
        ('demands', '0005_demand_outcome_status_changed'),
        ('talents', '0002_gram_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='offer',
            name='source',
            field=models.CharField(choices=[('suggestion', '确认匹配建议'), ('automatic', '自动改派'), ('claim', '工匠认领'), ('direct', '企业点名邀请'), ('assignment', '工作人员指派')], max_length=12, verbose_name='来源'),
        ),
        migrations.CreateModel(
            name='Claim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('note', models.CharField(max_length=500, verbose_name='认领说明')),
                ('status', models.CharField(choices=[('pending', '待审核'), ('approved', '已通过'), ('refused', '未通过'), ('withdrawn', '已撤回'), ('lapsed', '已失效')], db_index=True, default='pending', max_length=10, verbose_name='状态')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='审核时间')),
                ('decision_note', models.CharField(blank=True, max_length=500, verbose_name='审核意见')),
                ('claimant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='认领人')),
                ('craftsman', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='talents.craftsman', verbose_name='劳模工匠')),
                ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审核人')),
                ('demand', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='demands.demand', verbose_name='需求')),
                ('offer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='claims', to='casework.offer', verbose_name='服务邀请')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='talents.serviceteam', verbose_name='服务队')),
                ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='更新人')),
            ],
            options={
                'verbose_name': '认领',
                'verbose_name_plural': '认领',
                'ordering': ['-created_at', '-pk'],
                'permissions': [('decide_claim', '审核认领（通过或不通过）')],
                'indexes': [models.Index(fields=['status', 'created_at'], name='casework_claim_queue')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('craftsman__isnull', False), ('team__isnull', True)), models.Q(('craftsman__isnull', True), ('team__isnull', False)), _connector='OR'), name='casework_claim_craftsman_or_team', violation_error_message='认领须以一位劳模工匠或一支服务队的名义提出'), models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('demand', 'craftsman'), name='casework_claim_one_pending_per_craftsman', violation_error_message='您已认领该需求，正在等待审核'), models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('demand', 'team'), name='casework_claim_one_pending_per_team', violation_error_message='该服务队已认领该需求，正在等待审核')],
            },
        ),
        migrations.CreateModel(
            name='Publication',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('published_at', models.DateTimeField(verbose_name='发布时间')),
                ('expires_on', models.DateField(db_index=True, help_text='含当日', verbose_name='截止日期')),
                ('quality_score', models.PositiveSmallIntegerField(default=0, help_text='0–5 分', validators=[django.core.validators.MaxValueValidator(5)], verbose_name='质量评分')),
                ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='撤下时间')),
                ('end_reason', models.CharField(blank=True, choices=[('expired', '发布到期'), ('unpublished', '工作人员撤下'), ('moved_on', '需求已进入后续办理')], max_length=12, verbose_name='撤下原因')),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='说明')),
                ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                ('demand', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='publications', to='demands.demand', verbose_name='需求')),
                ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='更新人')),
            ],
            options={
                'verbose_name': '认领清单发布',
                'verbose_name_plural': '认领清单发布',
                'ordering': ['-published_at', '-pk'],
                'permissions': [('publish_demand', '发布需求到认领清单（或撤下）')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('ended_at__isnull', True)), fields=('demand',), name='casework_publication_one_open', violation_error_message='该需求已在认领清单中')],
            },
        ),
        migrations.RunPython(open_publications, migrations.RunPython.noop),
    ]
