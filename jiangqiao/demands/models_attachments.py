"""附件 of demands (issue 18 point 5): photos, drawings and PDFs the enterprise or staff add.

``DemandAttachment`` is one file, stored privately (``core.files.PrivateStorage``, never under a
public URL), its type told by content, its photo cleaned of EXIF/GPS metadata with a small JPEG
thumbnail beside it, its virus-scan verdict kept (``core.scanning``).

Scope: an attachment is seen by whoever may see its demand (``Demand.objects.visible_to``: staff
of the demand's unit and above, the enterprise's own contacts) and by the craftsman — or team
lead — who serves the demand (an accepted or completed offer: ``serving_demands``, registered by
the casework, which owns offers). Nothing else: the anonymised claim list shows no attachment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.urls import reverse

from jiangqiao.core.files import private_storage
from jiangqiao.core.models import AuditedModel
from jiangqiao.core.scope import ScopedQuerySet

#: Functions ``(user) -> queryset of demand ids`` the user serves (the casework registers one).
_SERVING: list[Callable[[Any], Any]] = []


def register_serving(func: Callable[[Any], Any]) -> None:
    """Declare who serves a demand (casework: the craftsman or lead of an accepted offer)."""
    if func not in _SERVING:
        _SERVING.append(func)


def serving_demands(user: Any) -> Q:
    """``Q`` on the demand id: the demands ``user`` serves (none without a registered source)."""
    q = Q(pk__in=[])
    for func in _SERVING:
        q |= Q(demand_id__in=func(user))
    return q


class AttachmentQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any, action: str = "view") -> Any:
        """Through the demand's own scope: ``view`` whoever may view the demand (and whoever
        serves it); ``change``/``delete`` whoever may change the demand."""
        from .models import Demand

        if user is None or not user.is_authenticated:
            return self.none()
        demand_action = "view" if action == "view" else "change"
        demands = Demand.objects.visible_to(user, demand_action).values("pk")
        q = Q(demand_id__in=demands)
        if action == "view":
            q |= serving_demands(user)
        return self.filter(q)


class ScanStatus(models.TextChoices):
    CLEAN = "clean", "已扫描，未发现病毒"
    UNSCANNED = "unscanned", "未扫描"


class DemandAttachment(AuditedModel):
    """One file of a demand: a photo (with its thumbnail), a drawing or a PDF."""

    demand = models.ForeignKey(
        "demands.Demand", models.CASCADE, related_name="attachments", verbose_name="需求"
    )
    file = models.FileField(
        "文件", storage=private_storage, upload_to="demands/attachments/%Y/%m/", max_length=200
    )
    thumbnail = models.FileField(
        "缩略图",
        storage=private_storage,
        upload_to="demands/thumbnails/%Y/%m/",
        max_length=200,
        blank=True,
    )
    name = models.CharField("文件名", max_length=200)
    kind = models.CharField("文件类型", max_length=10)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    scan_status = models.CharField(
        "病毒扫描", max_length=10, choices=ScanStatus.choices, default=ScanStatus.UNSCANNED
    )
    scan_engine = models.CharField("扫描程序", max_length=50, blank=True)

    objects = AttachmentQuerySet.as_manager()

    #: The change log keeps the name, type, size, digest and verdict; storage paths are not history.
    audit_exclude: ClassVar[tuple[str, ...]] = ("file", "thumbnail")

    class Meta:
        verbose_name = "需求附件"
        verbose_name_plural = "需求附件"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("demands:attachment_download", args=[self.pk])

    def thumbnail_url(self) -> str:
        return reverse("demands:attachment_thumbnail", args=[self.pk]) if self.thumbnail else ""

    @property
    def is_photo(self) -> bool:
        return bool(self.thumbnail)

    def audit_org_id(self) -> int | None:
        from .models import Demand

        return Demand.objects.filter(pk=self.demand_id).values_list("org_id", flat=True).first()
