"""REST endpoints of the exchange app (/api/v1/exchange/...)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiangqiao.core.api.viewsets import ScopedReadOnlyViewSet
from jiangqiao.core.uploads import upload_limit

from .. import format as fmt
from .. import services
from ..filtersets import BatchFilterSet
from ..models import ExchangeBatch
from .serializers import BatchSerializer, ExportQuerySerializer, ImportSerializer


class JsonLinesParser(parsers.BaseParser):
    """A raw JSON Lines request body (``Content-Type: application/x-ndjson``)."""

    media_type = fmt.CONTENT_TYPE

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return {"_raw": stream.read(upload_limit("exchange") + 1)}


class BatchViewSet(ScopedReadOnlyViewSet):
    """交换批次：每一次导出或导入（文件名、SHA-256、来源实例、游标、各类计数与报告）。

    报告（report）列出每一个错误行（行号、字段、中文说明）、每一个冲突（哪条记录、哪些字段、
    本地与来源的更新时间）和跳过的记录。按批次操作人所在组织划定数据范围。
    """

    queryset = ExchangeBatch.objects.select_related("org", "created_by").order_by("-pk")
    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet


class ExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="exchange_export",
        summary="导出交换文件（JSON Lines，流式）",
        description=(
            "第一行为文件头，其后每行一条记录（见 docs/exchange.md 与各类型的 JSON Schema）。"
            "只导出当前用户数据范围内的记录；`since` 为上次文件头中的 `cursor_to` 时只导出其后的变更"
            "（含已删除匹配的 op=delete 行）。`pii=full` 需要查看劳模工匠明文的权限，并记入操作日志。"
        ),
        parameters=[
            OpenApiParameter("types", str, description="逗号分隔的记录类型，留空为全部"),
            OpenApiParameter("since", int, description="起始游标（上次文件头的 cursor_to）"),
            OpenApiParameter(
                "pii", str, enum=["full", "masked", "hash"], description="个人标识形式"
            ),
        ],
        responses={
            (200, fmt.CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.STR, description="JSON Lines 文件"
            ),
            400: OpenApiResponse(description="参数错误（中文说明，指明字段）"),
            403: OpenApiResponse(description="没有导出权限"),
        },
    )
    def get(self, request: Request) -> Any:
        if not request.user.has_perm(services.EXPORT_PERMISSION):
            raise PermissionDenied("您没有导出交换文件的权限")
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        batch, lines = services.export_start(
            actor=request.user,
            types=query.validated_data.get("types"),
            since=query.validated_data.get("since"),
            pii=query.validated_data.get("pii"),
        )
        response = StreamingHttpResponse(lines, content_type=f"{fmt.CONTENT_TYPE}; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, batch.file_name)
        response["X-Exchange-Batch"] = str(batch.pk)
        return response


class ImportView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, JsonLinesParser]

    @extend_schema(
        operation_id="exchange_import",
        summary="导入交换文件",
        description=(
            "以 multipart 上传 `file`，或直接以 `application/x-ndjson` 作为请求体（此时 `dry_run`、"
            "`target_org` 用查询参数）。整个文件一个事务：有任何错误行则什么都不写入，返回 400 和报告；"
            "否则返回 200（预检）或 201（已导入）与批次。重复导入同一文件不改变数据。"
        ),
        request={"multipart/form-data": ImportSerializer, fmt.CONTENT_TYPE: OpenApiTypes.STR},
        parameters=[
            OpenApiParameter(
                "dry_run", bool, description="只预检，不写入（请求体为 JSON Lines 时）"
            ),
            OpenApiParameter(
                "target_org", int, description="导入到的组织（请求体为 JSON Lines 时）"
            ),
        ],
        responses={
            200: BatchSerializer,
            201: BatchSerializer,
            400: OpenApiResponse(BatchSerializer, description="文件有错误行（未写入）或参数错误"),
            403: OpenApiResponse(description="没有导入权限"),
        },
    )
    def post(self, request: Request) -> Response:
        if not request.user.has_perm(services.IMPORT_PERMISSION):
            raise PermissionDenied("您没有导入交换文件的权限")
        raw = request.data.get("_raw") if hasattr(request.data, "get") else None
        if raw is not None:
            serializer = ImportSerializer(
                data={
                    k: v for k, v in request.query_params.items() if k in ("dry_run", "target_org")
                },
                context={"request": request},
            )
            serializer.fields["file"].required = False
            serializer.is_valid(raise_exception=True)
            content, name = bytes(raw), ""
        else:
            serializer = ImportSerializer(data=request.data, context={"request": request})
            serializer.is_valid(raise_exception=True)
            upload = serializer.validated_data["file"]
            content, name = upload.read(), upload.name
        batch = services.import_file(
            actor=request.user,
            content=content,
            file_name=name,
            dry_run=serializer.validated_data.get("dry_run", False),
            target_org=serializer.validated_data.get("target_org"),
        )
        data = BatchSerializer(batch, context={"request": request}).data
        if batch.status == "failed":
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            data, status=status.HTTP_200_OK if batch.dry_run else status.HTTP_201_CREATED
        )


class ReceiveView(APIView):
    """A live batch pushed by a peer instance (``docs/exchange.md`` §11)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JsonLinesParser]

    @extend_schema(
        operation_id="exchange_receive",
        summary="接收实时交换批次（恰好一次）",
        description=(
            "对端实例推送的增量批次：请求体为 JSON Lines 交换文件，请求头 `X-Exchange-Batch` 为批次键。"
            "同一批次键、同一内容重发时不再写入，返回 200 与首次应用的结果（`already_applied`）；"
            "首次应用成功返回 201（`applied`），应答在事务提交之后发出；文件有错误行则什么都不写入，返回 400；"
            "同一批次键而内容不同返回 409。应答中的 `conflicts` 是未覆盖的冲突，发送方据此记录。"
        ),
        request={fmt.CONTENT_TYPE: OpenApiTypes.STR},
        parameters=[
            OpenApiParameter(
                "X-Exchange-Batch",
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                description="批次键（8–64 位字母、数字、下划线或连字符），重发时不变",
            )
        ],
        responses={
            200: OpenApiResponse(description="此前已应用（重发）"),
            201: OpenApiResponse(description="已应用"),
            400: OpenApiResponse(description="文件有错误行（未写入）或批次键不合法"),
            403: OpenApiResponse(description="没有导入权限，或令牌的使用范围不含数据交换"),
            409: OpenApiResponse(description="批次键已用于内容不同的批次"),
        },
    )
    def post(self, request: Request) -> Response:
        from .. import live

        if not request.user.has_perm(services.IMPORT_PERMISSION):
            raise PermissionDenied("您没有导入交换文件的权限")
        raw = request.data.get("_raw") if hasattr(request.data, "get") else None
        if raw is None:
            raise ValidationError({"file": [f"请求体应为 {fmt.CONTENT_TYPE} 交换文件"]})
        key = request.headers.get(live.BATCH_HEADER, "")
        try:
            result, batch = live.receive_batch(
                actor=request.user, content=bytes(raw), batch_key=key
            )
        except live.BatchKeyReused as exc:
            return Response({"batch": [exc.message]}, status=status.HTTP_409_CONFLICT)
        code = {
            "applied": status.HTTP_201_CREATED,
            "already_applied": status.HTTP_200_OK,
        }.get(result, status.HTTP_400_BAD_REQUEST)
        return Response(live.answer_of(batch, result), status=code)
