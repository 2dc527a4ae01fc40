"""The union organisation tree 全国/省/市/产业/县(区)/基层 with a materialised path."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.urls import reverse

from jiangqiao.core.choices import Status
from jiangqiao.core.models import AuditedModel, StatusMixin
from jiangqiao.core.scope import ScopedManager, subtree_q
from jiangqiao.core.textfields import NormalizedCharField
from jiangqiao.core.validators import validate_union_uscc

from .choices import LEVEL_RANK, OrgLevel


class Organization(StatusMixin, AuditedModel):
    """A trade-union unit. ``path`` is ``/<id>/<id>/.../`` from the root down to this unit.

    Subtree queries are one indexed range query on ``path`` (see ``core.scope.subtree_q``).
    Units are disabled, never deleted.
    """

    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级组织",
    )
    level = models.CharField("层级", max_length=16, choices=OrgLevel.choices, db_index=True)
    name = NormalizedCharField("名称", max_length=100)
    short_name = NormalizedCharField("简称", max_length=50, blank=True)
    region_code = models.CharField(
        "行政区划代码",
        max_length=6,
        db_index=True,
        help_text="GB/T 2260 六位代码，如 440300（深圳市）",
    )
    uscc = models.CharField(
        "统一社会信用代码",
        max_length=18,
        blank=True,
        help_text="基层工会以 81 开头",
    )
    path = models.CharField("路径", max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField("深度", default=0, editable=False)
    sort = models.PositiveIntegerField("排序", default=0)
    contact_name = NormalizedCharField("联系人", max_length=50, blank=True)
    address = NormalizedCharField("地址", max_length=200, blank=True)
    remark = NormalizedCharField("备注", max_length=500, blank=True)

    objects = ScopedManager()
    scope_org_field: ClassVar[str] = "self"
    scope_owner_field: ClassVar[str | None] = "created_by"

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="org_unique_name_per_parent",
                violation_error_message="同一上级组织下已有同名组织",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="org_unique_root_name",
                violation_error_message="已有同名的顶级组织",
            ),
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~Q(uscc=""),
                name="org_unique_uscc",
                violation_error_message="该统一社会信用代码已被其他组织使用",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:organization_detail", args=[self.pk])

    def audit_org_id(self) -> int | None:
        return self.pk

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[OrgLevel(self.level)]

    def subtree_q(self, field: str = "") -> Q:
        """Rows owned by this unit or any unit below it (``field`` is the org FK path)."""
        return subtree_q(self.path, field=field)

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def ancestors(self) -> models.QuerySet[Organization]:
        return Organization.objects.filter(pk__in=self.ancestor_ids()[:-1]).order_by("depth")

    def is_ancestor_of(self, other: Organization) -> bool:
        return other.path.startswith(self.path) and other.pk != self.pk

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        if self.uscc and self.level == OrgLevel.GRASSROOTS:
            try:
                validate_union_uscc(self.uscc)
            except ValidationError as exc:
                errors["uscc"] = exc.messages[0]
        if errors:
            raise ValidationError(errors)

    @property
    def status_enabled(self) -> bool:
        return self.status == Status.ACTIVE
