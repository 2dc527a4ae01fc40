"""Uploaded files kept privately: storage, type by content, safe names, photos, orphan sweeping.

Used by every upload that stores a file for later download through a scoped view (the evidence of
service sessions, the attachments of demands):

* :class:`PrivateStorage` keeps files under ``JIANGQIAO_PRIVATE_ROOT``, never under a public URL,
  **encrypted with the field key** (``crypto.encrypt_bytes``): ``_save`` encrypts, ``_open``
  decrypts, so ``row.file.open()`` and ``FileResponse`` see the clean bytes; a file written in
  clear before encryption (it does not start with the ``v1:`` header, which no accepted type
  does) is still read as it is, until ``manage.py rotate_field_key`` encrypts it; a file no
  configured key opens raises :class:`UnreadableFile` (a ``FileNotFoundError``: the views answer
  404) and is logged;
* :func:`sniff` tells a file's type from its content and refuses an extension that disagrees (a
  ``.jpg`` that is an HTML page or a program); :data:`FILE_TYPES` lists the known types;
* :func:`safe_name` keeps the file name people chose, without path parts or control characters;
* :func:`clean_photo` decodes a photo with Pillow (a corrupt image is refused, never a 500),
  applies its EXIF orientation, writes it again **without EXIF/GPS/XMP metadata** (PIPL: a phone
  photo carries where and when it was taken) and makes a small JPEG thumbnail;
* :func:`sweep_orphans` deletes files that no row names (left behind by a rolled-back upload).

The callers own the rules (which types, which label in messages, which rows name a file).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from . import crypto
from .exceptions import BusinessError

logger = logging.getLogger(__name__)


#: The first bytes of a file encrypted with ``crypto.encrypt_bytes``; no accepted type starts so.
ENCRYPTED_HEADER = b"v1:"
#: What encryption adds to a file: the header, the nonce (12) and the GCM tag (16).
ENCRYPTED_OVERHEAD = len(ENCRYPTED_HEADER) + 12 + 16


class UnreadableFile(FileNotFoundError):
    """A private file that no configured field key opens (``rotate_field_key`` names it)."""


def is_encrypted(blob: bytes) -> bool:
    return bytes(blob[: len(ENCRYPTED_HEADER)]) == ENCRYPTED_HEADER


def private_bytes(blob: bytes, name: str) -> bytes:
    """The clean bytes of a stored private file (a clear legacy file as it is)."""
    if not is_encrypted(blob):
        return blob
    try:
        return crypto.decrypt_bytes(blob)
    except (InvalidTag, ValueError):
        logger.error(
            "私有文件无法用任何已配置的字段加密密钥解密（运行 manage.py rotate_field_key 查看）：%s",
            name,
        )
        raise UnreadableFile(f"文件无法解密：{name}") from None


class PrivateStorage(FileSystemStorage):
    """Files under ``JIANGQIAO_PRIVATE_ROOT`` (var/private), never served by URL, encrypted at rest.

    The location is read from the settings on each use (tests point it at a temporary folder).
    Files are small (the upload limits), so each is encrypted and decrypted whole in memory.
    """

    def _save(self, name: str, content: Any) -> str:
        data = b"".join(content.chunks())  # chunks() starts from the beginning
        blob = crypto.encrypt_bytes(data)
        return str(super()._save(name, ContentFile(blob)))  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> File:
        if any(flag in mode for flag in "wa+"):
            raise ValueError("私有文件只能读取，写入请通过 save()")
        with super()._open(name, "rb") as handle:  # type: ignore[misc]
            blob = handle.read()
        return File(io.BytesIO(private_bytes(blob, name)), name=name)

    def size(self, name: str) -> int:
        raw = int(super().size(name))
        with open(self.path(name), "rb") as handle:
            head = handle.read(len(ENCRYPTED_HEADER))
        return raw - ENCRYPTED_OVERHEAD if is_encrypted(head) else raw

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.JIANGQIAO_PRIVATE_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property  # type: ignore[override]
    def base_url(self) -> str:
        raise ValueError("私有文件不提供公开网址，只能通过有权限的页面下载")


def private_storage() -> PrivateStorage:
    return PrivateStorage()


@dataclass(frozen=True)
class FileType:
    kind: str
    label: str  # how messages name it
    extensions: tuple[str, ...]  # the first is the one stored
    content_type: str
    photo: bool = False  # decoded, cleaned and thumbnailed by clean_photo


FILE_TYPES: dict[str, FileType] = {
    t.kind: t
    for t in (
        FileType("jpg", "jpg", (".jpg", ".jpeg"), "image/jpeg", photo=True),
        FileType("png", "png", (".png",), "image/png", photo=True),
        FileType("webp", "webp", (".webp",), "image/webp", photo=True),
        FileType("pdf", "pdf", (".pdf",), "application/pdf"),
        FileType(
            "docx",
            "docx",
            (".docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        FileType(
            "xlsx",
            "xlsx",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        FileType("dwg", "dwg（CAD 图纸）", (".dwg",), "application/acad"),
    )
}
#: Types shown in the browser (the others download); never HTML, SVG or anything scriptable.
INLINE_KINDS = frozenset({"jpg", "png", "webp", "pdf"})
_DWG = re.compile(rb"^AC10[0-3]\d")


def content_type(kind: str) -> str:
    entry = FILE_TYPES.get(kind)
    return entry.content_type if entry else "application/octet-stream"


def sniff_kind(data: bytes) -> str:
    """The kind of ``data`` from its first bytes (and a zip's entries); ``""`` if none known."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if _DWG.match(data[:6]):
        return "dwg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return ""
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return ""


def _listing(kinds: Iterable[str]) -> str:
    return "、".join(FILE_TYPES[k].label for k in kinds)


def sniff(
    data: bytes, filename: str, *, allowed: tuple[str, ...], label: str, field: str = "file"
) -> tuple[str, str]:
    """``(kind, extension to store)`` of an uploaded file, told by its content.

    The extension must name one of the ``allowed`` kinds and the content must be that kind;
    otherwise a :class:`BusinessError` names the field (``label``) and what is accepted.
    """
    ext = os.path.splitext(filename or "")[1].lower()
    expected = next((k for k in allowed if ext in FILE_TYPES[k].extensions), "")
    if not expected:
        raise BusinessError(f"{label}：只接受 {_listing(allowed)} 文件", field=field)
    kind = sniff_kind(data)
    if kind != expected:
        raise BusinessError(
            f"{label}：文件“{os.path.basename(filename)[:60]}”的内容与扩展名 {ext} 不符"
            f"（只接受真实的 {_listing(allowed)} 文件）",
            field=field,
        )
    return kind, FILE_TYPES[kind].extensions[0]


def safe_name(filename: str, *, default: str = "附件") -> str:
    """The file's own name without folders, control or reserved characters (at most 200)."""
    name = os.path.basename(str(filename or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f<>:\"/\\|?*]", "_", name).strip(" .") or default
    return name[-200:]


# ----------------------------------------------------------------------------------------------
# Photos
# ----------------------------------------------------------------------------------------------

THUMBNAIL_SIZE = (320, 320)
#: Larger photos than this (pixels) are refused before decoding (a decompression bomb).
PHOTO_MAX_PIXELS = 50_000_000


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes  # the photo, upright, without metadata, in its own format
    thumbnail: bytes  # a JPEG of at most THUMBNAIL_SIZE
    width: int
    height: int


def clean_photo(data: bytes, kind: str, *, label: str, field: str = "file") -> CleanPhoto:
    """Decode a photo, turn it upright (EXIF orientation), drop its metadata, make a thumbnail.

    A file Pillow cannot decode (truncated, corrupt, not an image, too many pixels) raises a
    :class:`BusinessError` naming the field; nothing of it is kept.
    """
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.width * probe.height > PHOTO_MAX_PIXELS:
                    raise BusinessError(
                        f"{label}：图片像素过多（{probe.width}×{probe.height}），请缩小后再上传",
                        field=field,
                    )
                probe.load()
                image = ImageOps.exif_transpose(probe)
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        # Keep only the colour profile: EXIF (GPS, camera, time), XMP and comments go.
        image.info = {k: v for k, v in image.info.items() if k == "icc_profile"}
        out = io.BytesIO()
        if kind == "jpg":
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            # No exif=, no xmp=, no comment: the saved photo carries none of the original's.
            image.save(out, "JPEG", quality=90, optimize=True)
        elif kind == "webp":
            image.save(out, "WEBP", quality=90)
        else:
            image.save(out, "PNG", optimize=True)
        thumb = image.copy()
        thumb.thumbnail(THUMBNAIL_SIZE)
        if thumb.mode != "RGB":
            background = Image.new("RGB", thumb.size, (255, 255, 255))
            rgba = thumb.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            thumb = background
        small = io.BytesIO()
        thumb.save(small, "JPEG", quality=80, optimize=True)
    except BusinessError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as exc:
        logger.info("图片无法解码：%s", exc)
        raise BusinessError(
            f"{label}：图片文件已损坏或无法识别，请重新拍摄或导出后上传", field=field
        ) from None
    return CleanPhoto(out.getvalue(), small.getvalue(), image.width, image.height)


# ----------------------------------------------------------------------------------------------
# Orphans
# ----------------------------------------------------------------------------------------------


def storage_files(storage: Any, path: str) -> Iterator[str]:
    """Every file below ``path`` of ``storage`` (relative names, as FileField stores them)."""
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}"
    for sub in dirs:
        yield from storage_files(storage, f"{path}/{sub}")


def sweep_orphans(
    *,
    storage: Any,
    roots: Iterable[str],
    known: Callable[[list[str]], set[str]],
    older_than: dt.timedelta = dt.timedelta(days=1),
    label: str = "文件",
) -> int:
    """Delete the files below ``roots`` that no row names (``known(paths)`` returns those a row
    names); returns how many went.

    Only files older than ``older_than`` go, so an upload whose transaction is still open keeps
    its file. Safe to run twice or concurrently (a missing file is skipped).
    """
    cutoff = timezone.now() - older_than
    removed = 0
    batch: list[str] = []

    def flush() -> int:
        kept = known(list(batch))
        gone = 0
        for path in batch:
            if path in kept:
                continue
            try:
                if storage.get_modified_time(path) >= cutoff:
                    continue
                storage.delete(path)
                gone += 1
            except FileNotFoundError:
                continue
        batch.clear()
        return gone

    for root in roots:
        for path in storage_files(storage, root):
            batch.append(path)
            if len(batch) >= 500:
                removed += flush()
    if batch:
        removed += flush()
    if removed:
        logger.info("清理未被引用的%s %d 个", label, removed)
    return removed


def delete_later(storage: Any, *paths: str) -> None:
    """Delete ``paths`` once the current transaction commits (nothing if it rolls back)."""
    from django.db import transaction

    names = [p for p in paths if p]

    def go() -> None:
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("文件删除失败（将由清理任务处理）：%s", name)

    transaction.on_commit(go)
