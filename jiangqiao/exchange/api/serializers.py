from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jiangqiao.core.api.serializers import BriefSerializerMixin, ChoiceDisplayField
from jiangqiao.core.uploads import LimitedUploadField
from jiangqiao.orgs.models import Organization

from .. import format as fmt
from ..choices import BatchStatus, Direction, FileKind, PiiMode
from ..models import ExchangeBatch


class BatchSerializer(BriefSerializerMixin, serializers.ModelSerializer[ExchangeBatch]):
    url = serializers.HyperlinkedIdentityField(view_name="api:exchange:exchangebatch-detail")
    display = serializers.SerializerMethodField()
    direction = ChoiceDisplayField(choices=Direction.choices, read_only=True)
    kind = ChoiceDisplayField(choices=FileKind.choices, read_only=True)
    pii = ChoiceDisplayField(choices=PiiMode.choices, read_only=True)
    status = ChoiceDisplayField(choices=BatchStatus.choices, read_only=True)
    org = serializers.IntegerField(source="org_id", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default="")

    class Meta:
        model = ExchangeBatch
        fields = (
            "id",
            "url",
            "display",
            "direction",
            "kind",
            "file_name",
            "sha256",
            "size",
            "source_instance",
            "format_version",
            "pii",
            "types",
            "cursor_from",
            "cursor_to",
            "dry_run",
            "status",
            "total",
            "new_count",
            "updated_count",
            "unchanged_count",
            "conflict_count",
            "error_count",
            "skipped_count",
            "report",
            "org",
            "created_by",
            "created_at",
            "finished_at",
        )
        read_only_fields = fields

    def get_display(self, obj: ExchangeBatch) -> str:
        return str(obj)


class ExportQuerySerializer(serializers.Serializer[Any]):
    types = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=f"逗号分隔的记录类型（{', '.join(fmt.SUPPORTED_TYPES)}），留空为全部",
    )
    since = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**62,
        help_text="起始游标（上次文件头的 cursor_to）；留空为全量快照",
    )
    pii = serializers.ChoiceField(
        choices=PiiMode.choices,
        required=False,
        help_text="个人标识形式；默认 JIANGQIAO_EXCHANGE_PII",
    )


class ImportSerializer(serializers.Serializer[Any]):
    file = LimitedUploadField(
        kind="exchange",
        label="交换文件",
        help_text="交换文件（.jsonl）；也可以直接以 application/x-ndjson 作为请求体上传",
    )
    dry_run = serializers.BooleanField(required=False, default=False, help_text="只预检，不写入")
    target_org = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text="导入到的组织（含下级）；默认为当前用户所在组织",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            field = self.fields["target_org"]
            field.queryset = Organization.objects.visible_to(request.user, "view")  # type: ignore[attr-defined]
