import django.db.models.deletion
import jiangqiao.core.files
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0013_demand_intake_channel"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DemandAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                (
                    "file",
                    models.FileField(
                        max_length=200,
                        storage=jiangqiao.core.files.private_storage,
                        upload_to="demands/attachments/%Y/%m/",
                        verbose_name="文件",
                    ),
                ),
                (
                    "thumbnail",
                    models.FileField(
                        blank=True,
                        max_length=200,
                        storage=jiangqiao.core.files.private_storage,
                        upload_to="demands/thumbnails/%Y/%m/",
                        verbose_name="缩略图",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="文件名")),
                ("kind", models.CharField(max_length=10, verbose_name="文件类型")),
                ("size", models.PositiveIntegerField(verbose_name="大小（字节）")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                (
                    "scan_status",
                    models.CharField(
                        choices=[("clean", "已扫描，未发现病毒"), ("unscanned", "未扫描")],
                        default="unscanned",
                        max_length=10,
                        verbose_name="病毒扫描",
                    ),
                ),
                (
                    "scan_engine",
                    models.CharField(blank=True, max_length=50, verbose_name="扫描程序"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        blank=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="创建人",
                    ),
                ),
                (
                    "demand",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="demands.demand",
                        verbose_name="需求",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        blank=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="更新人",
                    ),
                ),
            ],
            options={
                "verbose_name": "需求附件",
                "verbose_name_plural": "需求附件",
                "ordering": ["pk"],
            },
        ),
    ]
