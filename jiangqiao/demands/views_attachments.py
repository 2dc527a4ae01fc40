"""Pages of demand attachments: the scoped download and thumbnail, add and remove on the demand
page, and the file input of the phone submission form (docs/intake.md "附件").

Downloads answer 404 to anyone outside the attachment's scope (another enterprise's contact,
another unit's staff, a craftsman not serving the demand, an anonymous visitor): the file's
existence is not disclosed. Files are sent with ``nosniff``, a sandboxing CSP and ``no-store``;
only photos and PDFs open in the browser, anything else downloads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views import View

from jiangqiao.core import files
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.forms import LocalizedForm
from jiangqiao.core.uploads import LimitedFileField, human_size, upload_limit

from . import attachments, selectors
from .models import Demand
from .models_attachments import DemandAttachment


def _limits_hint() -> str:
    return (
        f"照片（jpg、png、webp）、PDF 或 CAD 图纸（dwg），单个不超过 "
        f"{human_size(upload_limit('attachment'))}，每条需求最多 {attachments.max_files()} 个"
    )


class AttachmentForm(LocalizedForm):
    """One file on the demand page (any allowed type)."""

    attachment = LimitedFileField(kind="attachment", label="附件")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attachment"]
        field.widget.attrs.update({"accept": attachments.ACCEPT, "class": "form-control"})
        field.help_text = _limits_hint()


class SubmitAttachmentForm(LocalizedForm):
    """The phone form's files: a photo taken now (``capture``: the camera opens) or a photo or PDF
    chosen from the phone; both optional."""

    photo = LimitedFileField(kind="attachment", label="附件", required=False)
    attachment = LimitedFileField(kind="attachment", label="附件", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo"].widget.attrs.update(
            {"accept": "image/*", "capture": "environment", "class": "form-control"}
        )
        self.fields["attachment"].widget.attrs.update(
            {"accept": "image/*,application/pdf", "class": "form-control"}
        )

    def uploads(self) -> list[Any]:
        return [f for f in (self.cleaned_data.get(n) for n in ("photo", "attachment")) if f]


def submit_hint() -> str:
    return _limits_hint()


def prepare_submit_files(
    actor: Any, form: SubmitAttachmentForm
) -> list[attachments.Prepared] | None:
    """Check the phone form's files before anything is saved; ``None`` (errors on the form) if one
    is refused."""
    prepared = []
    for name in ("photo", "attachment"):
        upload = form.cleaned_data.get(name)
        if not upload:
            continue
        try:
            prepared.append(attachments.attachment_prepare(actor=actor, upload=upload))
        except BusinessError as exc:
            form.add_error(name, exc.message)
            return None
    return prepared


def with_files(
    actor: Any, create: Callable[[], Demand], prepared: list[attachments.Prepared]
) -> Callable[[], Demand]:
    """``create`` and then store the prepared files, in one transaction (all or nothing)."""

    def run() -> Demand:
        with transaction.atomic():
            demand = create()
            for item in prepared:
                attachments.attachment_store(actor=actor, demand=demand, prepared=item)
            return demand

    return run


def attachment_context(user: Any, demand: Demand, *, read_only: bool = False) -> dict[str, Any]:
    """What ``demands/_attachments.html`` shows: the files the user may see, the add form.

    ``read_only`` (a page that is not the demand's, e.g. the craftsman's offer page): the same
    files, without 上传 or 删除 whatever the user's rights."""
    rows = list(selectors.demand_attachments(user=user, demand=demand))
    may_add = not read_only and attachments.may_add(user, demand)
    return {
        "demand": demand,
        "attachments": rows,
        "photos": [r for r in rows if r.is_photo],
        "read_only": read_only,
        "removable": set()
        if read_only
        else {r.pk for r in rows if attachments.may_remove(user, r)},
        "may_add_attachment": may_add and len(rows) < attachments.max_files(),
        "attachment_form": AttachmentForm() if may_add else None,
        "attachment_full": may_add and len(rows) >= attachments.max_files(),
        "attachment_max": attachments.max_files(),
    }


def _send(row: DemandAttachment, field: Any, *, kind: str, inline: bool) -> FileResponse:
    try:
        handle = field.open("rb")
    except files.UnreadableFile:
        raise Http404("附件文件无法解密，请联系系统管理员") from None
    except FileNotFoundError:
        raise Http404("附件文件不存在") from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=row.name if field is row.file else f"缩略图-{row.name}.jpg",
        content_type=files.content_type(kind),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attachment_response(row: DemandAttachment, *, thumbnail: bool = False) -> FileResponse:
    """The file (or the photo's thumbnail) of an attachment already read through the scope."""
    if not thumbnail:
        return _send(row, row.file, kind=row.kind, inline=row.kind in files.INLINE_KINDS)
    if not row.thumbnail:
        raise Http404("该附件没有缩略图")
    return _send(row, row.thumbnail, kind="jpg", inline=True)


def send_attachment(user: Any, pk: int, *, thumbnail: bool = False) -> FileResponse:
    """An attachment ``user`` may see; 404 otherwise, anonymous included."""
    row = get_object_or_404(selectors.attachment_list(user=user), pk=pk)
    return attachment_response(row, thumbnail=thumbnail)


class AttachmentDownloadView(View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        return send_attachment(request.user, kwargs["pk"])


class AttachmentThumbnailView(View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        return send_attachment(request.user, kwargs["pk"], thumbnail=True)


class AttachmentAddView(View):
    """POST one file to a demand the user may change; back to the demand's page."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        demand = get_object_or_404(selectors.demand_list(user=request.user), pk=kwargs["pk"])
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
        else:
            try:
                row = attachments.attachment_add(
                    actor=request.user, demand=demand, upload=form.cleaned_data["attachment"]
                )
            except BusinessError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已上传附件“{row.name}”")
        return redirect(f"{demand.get_absolute_url()}#attachments")


class AttachmentDeleteView(View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        row = get_object_or_404(selectors.attachment_list(user=request.user), pk=kwargs["pk"])
        demand = row.demand
        attachments.attachment_delete(actor=request.user, attachment=row)
        messages.success(request, f"已删除附件“{row.name}”")
        return redirect(f"{demand.get_absolute_url()}#attachments")


urlpatterns = [
    path("<int:pk>/attachments/", AttachmentAddView.as_view(), name="attachment_add"),
    path("attachments/<int:pk>/", AttachmentDownloadView.as_view(), name="attachment_download"),
    path(
        "attachments/<int:pk>/thumbnail/",
        AttachmentThumbnailView.as_view(),
        name="attachment_thumbnail",
    ),
    path("attachments/<int:pk>/delete/", AttachmentDeleteView.as_view(), name="attachment_delete"),
]
