from __future__ import annotations

from typing import Any

from rest_framework.serializers import BaseSerializer

from jiangqiao.core.api.viewsets import ScopedModelViewSet

from .. import services
from ..filtersets import OrganizationFilterSet
from ..models import Organization
from .serializers import OrganizationSerializer


class OrganizationViewSet(ScopedModelViewSet):
    """组织机构：工会组织树（全国/省/市/产业/县(区)/基层）。停用而不删除。"""

    queryset = Organization.objects.select_related("parent")
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ["path", "name", "created_at"]
    ordering = ["path"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        parent = data.pop("parent", None)
        level = data.pop("level")
        data.pop("status", None)
        serializer.instance = services.org_create(
            actor=self.request.user, parent=parent, level=level, **data
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        for fixed in ("parent", "level", "status"):
            data.pop(fixed, None)
        assert serializer.instance is not None
        serializer.instance = services.org_update(
            actor=self.request.user, org=serializer.instance, data=data
        )
