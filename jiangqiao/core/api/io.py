"""API of the spreadsheet import: kinds and templates, batches (upload + check), commit, errors.

The same workflow as the pages: ``POST /api/v1/imports/batches/`` uploads and checks (in the
request for small files, as a background job above the size threshold — the response then carries
the job id to poll at ``/api/v1/logs/jobs/<id>/``), ``POST .../<id>/commit/`` writes (all or
nothing, or the valid rows), ``GET .../<id>/errors/`` returns the error workbook.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from jiangqiao.core.api.parsers import JSONParser, MultiPartParser
from jiangqiao.core.api.serializers import ChoiceDisplayField
from jiangqiao.core.api.viewsets import ScopedReadOnlyViewSet
from jiangqiao.core.choices import ImportMode, ImportStatus, MergePolicy
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io import services
from jiangqiao.core.io.registry import IMPORTERS, check_importer, importers_for
from jiangqiao.core.io.template import build_template, kind_hint
from jiangqiao.core.models import ImportBatch
from jiangqiao.core.probes import ProbeLimited
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.uploads import LimitedUploadField

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportBatchSerializer(serializers.ModelSerializer):
    status = ChoiceDisplayField(choices=ImportStatus.choices)
    mode = ChoiceDisplayField(choices=ImportMode.choices)
    policy = ChoiceDisplayField(choices=MergePolicy.choices)
    counts = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    file_errors = serializers.SerializerMethodField()
    conflicts = serializers.SerializerMethodField()
    committed_counts = serializers.SerializerMethodField()
    job: Any = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "spec",
            "file_name",
            "file_sha256",
            "file_size",
            "source_label",
            "status",
            "mode",
            "policy",
            "counts",
            "committed_counts",
            "file_errors",
            "messages",
            "conflicts",
            "job",
            "org",
            "created_by",
            "created_at",
            "committed_at",
        ]
        read_only_fields = fields

    def get_counts(self, obj: ImportBatch) -> dict[str, int]:
        return obj.counts

    def get_committed_counts(self, obj: ImportBatch) -> dict[str, int] | None:
        value = (obj.result or {}).get("committed_counts")
        return dict(value) if value else None

    def get_messages(self, obj: ImportBatch) -> list[str]:
        return list((obj.result or {}).get("messages") or [])

    def get_file_errors(self, obj: ImportBatch) -> list[str]:
        return list((obj.result or {}).get("file_errors") or [])

    def get_conflicts(self, obj: ImportBatch) -> list[dict[str, Any]]:
        return list((obj.result or {}).get("conflicts") or [])


class UploadSerializer(serializers.Serializer):
    spec = serializers.ChoiceField(choices=[], help_text="导入类型，如 talents.craftsman")
    file = LimitedUploadField(kind="import", label="导入文件", help_text=".xlsx 或 .csv")
    source_label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.ALL)
    policy = serializers.ChoiceField(choices=MergePolicy.choices, default=MergePolicy.FILL_BLANKS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["spec"].choices = sorted(IMPORTERS)  # type: ignore[attr-defined]


class CommitSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=ImportMode.choices, required=False)
    policy = serializers.ChoiceField(choices=MergePolicy.choices, required=False)
    decisions = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(max_length=20)),
        required=False,
        help_text="逐项合并选择：{重复组键: {字段: 来源(db 或行号)}}",
    )


def _raise(exc: Exception) -> None:
    if isinstance(exc, ProbeLimited):
        raise exc  # HTTP 429 (core.api.exceptions)
    message = getattr(exc, "message", None) or str(exc)
    raise ValidationError({"detail": message}) from exc


class ImportBatchViewSet(ScopedReadOnlyViewSet):
    """导入批次：上传即检查（不写入），确认后导入；错误数据表下载。"""

    queryset = ImportBatch.objects.defer("file_data", "error_workbook")
    serializer_class = ImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        request={"multipart/form-data": UploadSerializer}, responses={201: ImportBatchSerializer}
    )
    def create(self, request: Request) -> Response:
        if not request.user.has_perm("core.add_importbatch"):
            raise PermissionDenied("您没有批量导入的权限")
        form = UploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            check_importer(request.user, data["spec"])
        except Exception as exc:  # Http404 / PermissionDenied of the registry
            raise PermissionDenied(str(exc) or "您不能导入这种数据") from exc
        try:
            services.check_upload_size(data["file"].size or 0)
            batch = services.import_upload(
                actor=request.user,
                spec_key=data["spec"],
                file_name=data["file"].name,
                data=data["file"].read(),
                source_label=data.get("source_label", ""),
            )
            services.import_set_options(
                actor=request.user, batch=batch, mode=data["mode"], policy=data["policy"]
            )
            if services.needs_job(batch):
                services.start_job(actor=request.user, batch=batch, commit=False)
            else:
                services.import_check(actor=request.user, batch=batch)
        except (BusinessError, ScopeViolation) as exc:
            _raise(exc)
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CommitSerializer, responses={200: ImportBatchSerializer, 202: ImportBatchSerializer}
    )
    @action(
        detail=True,
        methods=["post"],
        scope_action="view",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def commit(self, request: Request, pk: Any = None) -> Response:
        batch = self.get_object()
        if not request.user.has_perm("core.add_importbatch"):
            raise PermissionDenied("您没有批量导入的权限")
        check_importer(request.user, batch.spec)
        form = CommitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            services.import_set_options(
                actor=request.user,
                batch=batch,
                mode=data.get("mode"),
                policy=data.get("policy"),
                decisions=data.get("decisions"),
            )
            if services.needs_job(batch):
                services.start_job(actor=request.user, batch=batch, commit=True)
                return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)
            services.import_commit(actor=request.user, batch=batch)
        except (BusinessError, ScopeViolation) as exc:
            _raise(exc)
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data)

    @extend_schema(
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="错误数据表")}
    )
    @action(detail=True, methods=["get"])
    def errors(self, request: Request, pk: Any = None) -> HttpResponse:
        batch = self.get_object()  # through the data-scope chokepoint (404 outside it)
        try:
            check_importer(request.user, batch.spec)
        except Exception as exc:  # Http404 / PermissionDenied of the registry
            raise PermissionDenied("您不能查看这种数据的导入结果") from exc
        data = services.error_workbook_bytes(batch)
        if data is None:
            raise NotFound("没有错误数据")
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, "错误数据.xlsx")
        return response


class ImportSpecView(APIView):
    """可导入的数据类型及其列说明（与模板、导入检查同源）。"""

    @extend_schema(
        responses=inline_serializer(
            "ImportSpec",
            fields={
                "key": serializers.CharField(),
                "title": serializers.CharField(),
                "columns": serializers.ListField(child=serializers.DictField()),
                "template": serializers.CharField(),
            },
            many=True,
        )
    )
    def get(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise PermissionDenied
        out = []
        for importer in importers_for(request.user):
            spec = importer.spec
            out.append(
                {
                    "key": spec.key,
                    "title": spec.title,
                    "template": f"/api/v1/imports/specs/{spec.key}/template/",
                    "columns": [
                        {
                            "name": c.name,
                            "label": c.label,
                            "required": c.required,
                            "kind": c.kind,
                            "format": kind_hint(c),
                            "note": c.note,
                            "aliases": list(c.aliases),
                        }
                        for c in spec.columns
                    ],
                }
            )
        return Response(out)


class ImportTemplateView(APIView):
    """下载导入模板（.xlsx，含下拉选项、文本格式列、示例行和填写说明）。"""

    @extend_schema(responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, key: str) -> HttpResponse:
        if not request.user.is_authenticated:
            raise PermissionDenied
        if key not in IMPORTERS:
            raise NotFound("没有这种导入类型")
        try:
            importer = check_importer(request.user, key)
        except Exception as exc:
            raise PermissionDenied(str(exc) or "您不能导入这种数据") from exc
        response = HttpResponse(build_template(importer.spec), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(
            True, f"{importer.spec.title}导入模板.xlsx"
        )
        return response


router = DefaultRouter()
router.register("batches", ImportBatchViewSet)
app_name = "imports"
urlpatterns = [
    path("specs/", ImportSpecView.as_view(), name="import-specs"),
    path("specs/<str:key>/template/", ImportTemplateView.as_view(), name="import-template"),
    *router.urls,
]
