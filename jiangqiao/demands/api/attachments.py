"""``/api/v1/demands/attachments/``: list, upload, download and remove demand attachments.

Same rules as the pages (``demands.attachments``): the list and the download hold only what the
user may see (404 otherwise); an upload goes through the same checks (content, size, count, photo
cleaning, virus scan) and answers 400 with the field's Chinese message.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.response import Response

from jiangqiao.core.api.parsers import MultiPartParser
from jiangqiao.core.uploads import LimitedUploadField

from .. import attachments, selectors
from ..models_attachments import DemandAttachment
from ..views_attachments import attachment_response


class DemandAttachmentSerializer(serializers.ModelSerializer[DemandAttachment]):
    scan_status_display = serializers.CharField(source="get_scan_status_display", read_only=True)
    download_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = DemandAttachment
        fields = [
            "id",
            "demand",
            "name",
            "kind",
            "size",
            "sha256",
            "scan_status",
            "scan_status_display",
            "created_at",
            "download_url",
            "thumbnail_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: DemandAttachment) -> str:
        return reverse("api:demands:attachment-download", args=[obj.pk])

    def get_thumbnail_url(self, obj: DemandAttachment) -> str:
        if not obj.thumbnail:
            return ""
        return reverse("api:demands:attachment-thumbnail", args=[obj.pk])


class AttachmentUploadSerializer(serializers.Serializer[Any]):
    demand = serializers.IntegerField(label="需求")
    file = LimitedUploadField(kind="attachment", label="附件")


class DemandAttachmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """需求附件：列表（?demand=需求ID）、上传（multipart：demand、file）、下载、删除。"""

    serializer_class = DemandAttachmentSerializer
    queryset = DemandAttachment.objects.none()
    parser_classes = [MultiPartParser, FormParser]
    extra_query_params = ("demand",)

    def get_queryset(self) -> Any:
        rows = selectors.attachment_list(user=self.request.user).order_by("pk")
        demand = self.request.query_params.get("demand", "")
        if demand:
            known = demand.isdigit() and len(demand) <= 18
            rows = rows.filter(demand_id=int(demand)) if known else rows.none()
        return rows

    @extend_schema(parameters=[OpenApiParameter("demand", int, description="只列出该需求的附件")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AttachmentUploadSerializer, responses={201: DemandAttachmentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = AttachmentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        demand = get_object_or_404(
            selectors.demand_list(user=request.user), pk=form.validated_data["demand"]
        )
        row = attachments.attachment_add(
            actor=request.user, demand=demand, upload=form.validated_data["file"]
        )
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: DemandAttachment) -> None:
        attachments.attachment_delete(actor=self.request.user, attachment=instance)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: Any = None) -> Any:
        """附件文件（照片已去除 EXIF/GPS 信息）。"""
        return attachment_response(self.get_object())

    @extend_schema(responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, pk: Any = None) -> Any:
        """照片的缩略图（JPEG）。"""
        return attachment_response(self.get_object(), thumbnail=True)
