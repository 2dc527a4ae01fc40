"""附件 of demands (issue 18 point 5): scope first, then content lies, photos, scanning, limits,
retention and orphans, the phone form and the demand page."""

from __future__ import annotations

import datetime as dt
import io
import os
import socket
import struct
import tempfile
import threading
from pathlib import Path
from typing import Any

import time_machine
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from jiangqiao.casework import claims
from jiangqiao.casework import services as casework
from jiangqiao.casework.tests.test_claims import ClaimsTestBase
from jiangqiao.core import retention
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.scanning import ClamdScanner, ScannerUnavailable
from jiangqiao.core.testing.cases import DataScopeMatrixTests
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands import attachments, services
from jiangqiao.demands.models import Demand, DemandAttachment
from jiangqiao.orgs.models import Organization

from .factories import make_demand, make_enterprise, new_uscc
from .test_services import Base, role

GPS_TAG = 0x8825
ORIENTATION_TAG = 0x0112


def photo_bytes(size: tuple[int, int] = (40, 20), *, gps: bool = True, fmt: str = "JPEG") -> bytes:
    """A real photo: wider than high, EXIF orientation 6 (turn 90°) and a GPS position."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = 6
    exif[0x010F] = "TestCam"  # Make
    if gps:
        exif[GPS_TAG] = {1: "N", 2: (22.0, 32.0, 10.0), 3: "E", 4: (113.0, 56.0, 2.0)}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


class FakeClamd:
    """A tiny clamd on 127.0.0.1 (or a unix socket): INSTREAM chunks in, one verdict out."""

    def __init__(self, *, unix_path: str = "") -> None:
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(unix_path)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(5)
        self.received: list[bytes] = []
        self.commands: list[bytes] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.stopped = False
        self.thread.start()

    @property
    def tcp(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def _read(self, conn: socket.socket, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            got = conn.recv(n - len(buf))
            if not got:
                raise ConnectionError("closed")
            buf += got
        return buf

    def serve(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                command = b""
                while not command.endswith(b"\0"):
                    command += self._read(conn, 1)
                self.commands.append(command)
                data = b""
                while True:
                    (size,) = struct.unpack("!L", self._read(conn, 4))
                    if size == 0:
                        break
                    data += self._read(conn, size)
                self.received.append(data)
                if b"EICAR" in data:
                    conn.sendall(b"stream: Eicar-Test-Signature FOUND\0")
                else:
                    conn.sendall(b"stream: OK\0")

    def close(self) -> None:
        self.stopped = True
        self.sock.close()


class AttachmentBase(Base):
    def setUp(self) -> None:
        super().setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        private = override_settings(JIANGQIAO_PRIVATE_ROOT=tmp.name)
        private.enable()
        self.addCleanup(private.disable)
        self.root = Path(tmp.name)
        services.contact_add(
            actor=self.staff_a1, enterprise=self.enterprise, name="王经理", user=self.contact_user
        )
        # Another enterprise of the same unit, with its own contact.
        self.other_enterprise = services.enterprise_create(
            actor=self.staff_a1,
            org=self.world.county_a1,
            data={"uscc": new_uscc("440305"), "name": "蛇口船舶配件厂", "region_code": "440305"},
        )
        self.other_contact = make_user(
            "ent_other_t", self.world.county_a1, role("enterprise_contact")
        )
        services.contact_add(
            actor=self.staff_a1,
            enterprise=self.other_enterprise,
            name="李主任",
            user=self.other_contact,
        )
        self.demand = services.demand_create(
            actor=self.contact_user,
            enterprise=self.enterprise,
            data=self.demand_data(),
            channel="online",
            submit=True,
        )

    def stored_files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def add(self, name: str = "现场.jpg", data: bytes | None = None, actor: Any = None) -> Any:
        return attachments.attachment_add(
            actor=actor or self.contact_user,
            demand=self.demand,
            upload=upload(name, photo_bytes() if data is None else data),
        )

    def phone_post(self, files: dict[str, Any], **extra: Any) -> Any:
        self.login(self.contact_user)
        data = {
            "kind": "other",
            "title": "设备改造咨询",
            "description": "老旧产线改造，附现场照片",
            "delivery_mode": "either",
            "action": "submit",
        } | extra
        return self.client.post(reverse("demands:demand_submit"), {**data, **files})


class TestScopeOfDownloads(AttachmentBase):
    """Attacks first: nobody outside the demand's scope learns that the file exists."""

    __test__ = True

    def setUp(self) -> None:
        super().setUp()
        self.row = self.add()
        self.urls = [
            reverse("demands:attachment_download", args=[self.row.pk]),
            reverse("demands:attachment_thumbnail", args=[self.row.pk]),
        ]

    def get_all(self, user: Any) -> list[int]:
        self.client.logout()
        if user is not None:
            self.login(user)
        return [self.client.get(url).status_code for url in self.urls]

    def test_another_enterprise_contact_another_unit_and_anonymous_get_404(self) -> None:
        self.assertEqual(self.get_all(self.other_contact), [404, 404])
        self.assertEqual(self.get_all(self.staff_a2), [404, 404])
        self.assertEqual(self.get_all(None), [404, 404])

    def test_the_contact_his_unit_and_the_units_above_download(self) -> None:
        for user in (self.contact_user, self.staff_a1, self.world.city_admin_a):
            with self.subTest(user=user.username):
                self.assertEqual(self.get_all(user), [200, 200])
        response = self.client.get(self.urls[0])
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn("sandbox", response["Content-Security-Policy"])
        self.assertEqual(response["Content-Type"], "image/jpeg")

    def test_only_those_who_may_change_remove_and_another_unit_cannot(self) -> None:
        delete = reverse("demands:attachment_delete", args=[self.row.pk])
        self.login(self.staff_a2)
        self.assertEqual(self.client.post(delete).status_code, 404)
        self.login(self.other_contact)
        self.assertEqual(self.client.post(delete).status_code, 404)
        staff_row = self.add("图纸.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", actor=self.staff_a1)
        with self.assertRaises(PermissionDenied):  # the contact removes his own files only
            attachments.attachment_delete(actor=self.contact_user, attachment=staff_row)
        self.assertTrue(DemandAttachment.objects.filter(pk=self.row.pk).exists())


class TestClaimList(ClaimsTestBase):
    """The anonymised claim list shows no attachment, and listing grants no download."""

    __test__ = True

    def test_a_published_demand_lists_without_its_photos(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        with override_settings(JIANGQIAO_PRIVATE_ROOT=tmp.name):
            demand = self.triaged()
            row = attachments.attachment_add(
                actor=self.boss, demand=demand, upload=upload("车间.jpg", photo_bytes())
            )
            claims.demand_publish(actor=self.staff, demand=demand)
            self.login(self.user_a)
            listing = self.client.get(reverse("casework:published_list"))
            detail = self.client.get(reverse("casework:published_detail", args=[demand.pk]))
            download = self.client.get(reverse("demands:attachment_download", args=[row.pk]))
        self.assertEqual((listing.status_code, detail.status_code), (200, 200))
        self.assertContains(detail, demand.title)
        for page in (listing, detail):
            self.assertNotContains(page, "/demands/attachments/")
            self.assertNotContains(page, "车间.jpg")
        self.assertEqual(download.status_code, 404)


class TestContentAndPhotos(AttachmentBase):
    __test__ = True

    def test_a_jpg_that_is_an_html_page_or_a_program_is_refused_and_nothing_is_saved(self) -> None:
        before = Demand.objects.count()
        for name, data in (
            ("现场.jpg", b"<html><script>alert(1)</script></html>"),
            ("图纸.pdf", b"MZ\x90\x00\x03\x00\x00\x00program"),
            ("说明.html", b"<html></html>"),
        ):
            with self.subTest(name=name):
                response = self.phone_post({"attachment": upload(name, data)})
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "附件：", status_code=400)
                self.assertContains(response, "老旧产线改造，附现场照片", status_code=400)
        self.assertEqual(Demand.objects.count(), before)
        self.assertEqual(self.stored_files(), [])

    def test_gps_and_exif_are_stripped_the_photo_turned_upright_and_a_thumbnail_made(self) -> None:
        original = photo_bytes((400, 200))
        self.assertIn(GPS_TAG, Image.open(io.BytesIO(original)).getexif())
        row = self.add(data=original)
        with row.file.open("rb") as f:
            stored = Image.open(io.BytesIO(f.read()))
        self.assertEqual(stored.format, "JPEG")
        self.assertEqual(len(stored.getexif()), 0)
        self.assertNotIn("exif", stored.info)
        self.assertEqual(stored.size, (200, 400))  # orientation 6 applied
        with row.thumbnail.open("rb") as f:
            thumb = Image.open(io.BytesIO(f.read()))
        self.assertEqual(thumb.format, "JPEG")
        self.assertLessEqual(max(thumb.size), 320)
        self.assertEqual(len(thumb.getexif()), 0)
        self.assertEqual(row.kind, "jpg")
        self.assertTrue(row.file.name.startswith("demands/attachments/"))

    def test_a_png_and_a_pdf_are_kept_and_only_the_photo_has_a_thumbnail(self) -> None:
        png = self.add("截图.png", photo_bytes(fmt="PNG", gps=False))
        pdf = self.add("图纸.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\n")
        self.assertTrue(png.thumbnail)
        self.assertFalse(pdf.thumbnail)
        self.assertEqual(pdf.kind, "pdf")

    def test_a_corrupt_image_is_refused_without_a_server_error(self) -> None:
        data = photo_bytes()[:60]  # a JPEG cut off after its header
        response = self.phone_post({"photo": upload("现场.jpg", data)})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "附件：图片文件已损坏或无法识别", status_code=400)
        self.assertEqual(self.stored_files(), [])

    @override_settings(JIANGQIAO_ATTACHMENT_MAX_BYTES=1000)
    def test_too_large_and_empty_files_are_refused_naming_the_field(self) -> None:
        response = self.phone_post({"attachment": upload("大图.jpg", photo_bytes((600, 600)))})
        self.assertContains(response, "附件：文件大小", status_code=400)
        with self.assertRaisesMessage(BusinessError, "附件：文件是空的"):
            attachments.attachment_prepare(actor=self.contact_user, upload=upload("a.jpg", b""))
        response = self.phone_post({"attachment": upload("空.jpg", b"")})
        self.assertContains(response, "附件：", status_code=400)

    @override_settings(JIANGQIAO_ATTACHMENT_MAX_FILES=2)
    def test_at_most_the_configured_number_of_files_per_demand(self) -> None:
        self.add()
        self.add()
        with self.assertRaisesMessage(BusinessError, "附件：每条需求最多 2 个文件"):
            self.add()
        self.assertEqual(DemandAttachment.objects.filter(demand=self.demand).count(), 2)
        self.assertEqual(len(self.stored_files()), 4)  # two photos, two thumbnails

    def test_a_demand_that_ended_takes_no_file(self) -> None:
        casework.demand_withdraw(actor=self.contact_user, demand=self.demand, comment="不需要了")
        self.demand.refresh_from_db()
        with self.assertRaisesMessage(BusinessError, "附件：需求已撤回，不能再上传附件"):
            self.add()


class TestEncryptionAtRest(AttachmentBase):
    """Attack first: the disk (or a copy of it) holds no readable file; downloads are unchanged."""

    __test__ = True

    def download(self, row: Any, *, thumbnail: bool = False) -> Any:
        self.login(self.contact_user)
        name = "demands:attachment_thumbnail" if thumbnail else "demands:attachment_download"
        return self.client.get(reverse(name, args=[row.pk]))

    def test_the_pdf_photo_and_thumbnail_are_encrypted_on_disk_and_download_unchanged(self) -> None:
        pdf_bytes = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\n"
        pdf = self.add("图纸.pdf", pdf_bytes)
        photo = self.add()
        for path in (pdf.file.path, photo.file.path, photo.thumbnail.path):
            with self.subTest(path=path):
                on_disk = Path(path).read_bytes()
                self.assertFalse(on_disk.startswith((b"%PDF", b"\xff\xd8\xff")))
                self.assertNotIn(b"%PDF", on_disk)
                self.assertNotIn(b"JFIF", on_disk)
        response = self.download(pdf)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), pdf_bytes)
        self.assertEqual(int(response["Content-Length"]), len(pdf_bytes))
        self.assertEqual(pdf.file.size, len(pdf_bytes))
        with photo.file.open("rb") as handle:
            clean = handle.read()
        self.assertTrue(clean.startswith(b"\xff\xd8\xff"))
        self.assertEqual(b"".join(self.download(photo).streaming_content), clean)
        thumb = b"".join(self.download(photo, thumbnail=True).streaming_content)
        self.assertEqual(Image.open(io.BytesIO(thumb)).format, "JPEG")

    def test_a_file_stored_in_clear_before_the_encryption_still_downloads(self) -> None:
        pdf_bytes = b"%PDF-1.4\nlegacy\n"
        row = self.add("旧.pdf", pdf_bytes)
        Path(row.file.path).write_bytes(pdf_bytes)
        self.assertEqual(b"".join(self.download(row).streaming_content), pdf_bytes)
        self.assertEqual(row.file.size, len(pdf_bytes))

    def test_a_file_no_key_opens_answers_404_and_is_logged(self) -> None:
        with override_settings(FIELD_ENCRYPTION_KEY="c3RyYW5nZXIta2V5LXN0cmFuZ2VyLWtleS1zdHJhbmdl"):
            row = self.add("外.pdf", b"%PDF-1.4\nforeign\n")
        with self.assertLogs("jiangqiao.core.files", "ERROR") as logs:
            response = self.download(row)
        self.assertEqual(response.status_code, 404)
        self.assertIn(row.file.name, logs.output[0])
        self.assertNotIn(b"foreign", response.content)


class TestScanning(AttachmentBase):
    __test__ = True

    def clamd(self, **kwargs: Any) -> FakeClamd:
        server = FakeClamd(**kwargs)
        self.addCleanup(server.close)
        return server

    def test_no_scanner_records_the_file_as_unscanned(self) -> None:
        row = self.add()
        self.assertEqual(row.scan_status, "unscanned")
        self.assertEqual(row.get_scan_status_display(), "未扫描")

    def test_clamd_over_tcp_clean_then_infected_refused_with_an_audit_row(self) -> None:
        server = self.clamd()
        with override_settings(
            JIANGQIAO_VIRUS_SCANNER="jiangqiao.core.scanning.ClamdScanner",
            JIANGQIAO_CLAMD_TCP=server.tcp,
        ):
            row = self.add("图纸.pdf", b"%PDF-1.4\nclean drawing\n")
            self.assertEqual((row.scan_status, row.scan_engine), ("clean", "clamd"))
            self.assertEqual(server.commands[0], b"zINSTREAM\0")
            self.assertEqual(server.received[0], b"%PDF-1.4\nclean drawing\n")
            before = Demand.objects.count()
            infected = b"%PDF-1.4\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST\n"
            response = self.phone_post({"attachment": upload("报价.pdf", infected)})
        self.assertContains(
            response, "附件：文件“报价.pdf”检测出病毒（Eicar-Test-Signature）", status_code=400
        )
        self.assertEqual(Demand.objects.count(), before)
        self.assertEqual(DemandAttachment.objects.count(), 1)
        log = OperationLog.objects.filter(module="需求附件", status="fail").get()
        self.assertIn("报价.pdf", log.action)
        self.assertEqual(log.extra["signature"], "Eicar-Test-Signature")
        self.assertEqual(log.user_id, self.contact_user.pk)

    def test_clamd_over_a_unix_socket(self) -> None:
        folder = tempfile.mkdtemp()
        self.addCleanup(os.rmdir, folder)
        path = os.path.join(folder, "clamd.sock")
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        self.clamd(unix_path=path)
        verdict = ClamdScanner(socket_path=path, tcp="").scan(b"EICAR test", "x.pdf")
        self.assertTrue(verdict.infected)
        self.assertEqual(ClamdScanner(socket_path=path, tcp="").scan(b"ok", "y").status, "clean")

    def test_a_configured_scanner_that_is_down_refuses_the_file(self) -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()  # nothing listens there now
        with override_settings(
            JIANGQIAO_VIRUS_SCANNER="jiangqiao.core.scanning.ClamdScanner",
            JIANGQIAO_CLAMD_TCP=f"127.0.0.1:{port}",
            JIANGQIAO_CLAMD_TIMEOUT=2,
        ):
            with self.assertRaisesMessage(BusinessError, "附件：病毒扫描服务暂时不可用"):
                self.add()
            with self.assertRaises(ScannerUnavailable):
                ClamdScanner().scan(b"x", "x")
        self.assertFalse(DemandAttachment.objects.exists())
        self.assertEqual(self.stored_files(), [])

    def test_clamd_is_reached_only_on_this_machine(self) -> None:
        for address in ("10.0.0.5:3310", "clamd.example:3310", "127.0.0.1:0"):
            with self.subTest(address=address), self.assertRaises(ImproperlyConfigured):
                ClamdScanner(socket_path="", tcp=address)


class TestRetentionAndOrphans(AttachmentBase):
    __test__ = True

    def test_the_retention_purge_removes_the_files_of_demands_ended_long_ago(self) -> None:
        old = self.add()
        keep_demand = services.demand_create(
            actor=self.contact_user,
            enterprise=self.enterprise,
            data=self.demand_data(title="仍在办理的需求"),
            channel="online",
            submit=True,
        )
        kept = attachments.attachment_add(
            actor=self.contact_user, demand=keep_demand, upload=upload("b.jpg", photo_bytes())
        )
        with time_machine.travel(timezone.now() - dt.timedelta(days=3 * 365 + 10)):
            casework.demand_withdraw(actor=self.contact_user, demand=self.demand)
        paths = [self.root / old.file.name, self.root / old.thumbnail.name]
        self.assertTrue(all(p.exists() for p in paths))
        dry = retention.run(dry_run=True, only=("demand_attachments",))
        self.assertEqual(dry[0].count, 1)
        self.assertTrue(DemandAttachment.objects.filter(pk=old.pk).exists())
        with self.captureOnCommitCallbacks(execute=True):
            outcome = retention.run(only=("demand_attachments",))
        self.assertEqual(outcome[0].count, 1)
        self.assertFalse(DemandAttachment.objects.filter(pk=old.pk).exists())
        self.assertFalse(any(p.exists() for p in paths))
        self.assertTrue((self.root / kept.file.name).exists())
        self.assertEqual(retention.run(only=("demand_attachments",))[0].count, 0)

    def test_deleting_an_attachment_or_its_demand_deletes_the_files(self) -> None:
        first, second = self.add(), self.add("图纸.pdf", b"%PDF-1.4\n")
        with self.captureOnCommitCallbacks(execute=True):
            attachments.attachment_delete(actor=self.staff_a1, attachment=first)
        self.assertFalse((self.root / first.file.name).exists())
        self.assertFalse((self.root / first.thumbnail.name).exists())
        log = OperationLog.objects.filter(module="需求附件", business_type="delete").get()
        self.assertIn("现场.jpg", log.action)
        with self.captureOnCommitCallbacks(execute=True):
            DemandAttachment.objects.filter(demand=self.demand).delete()
        self.assertEqual(self.stored_files(), [])
        self.assertFalse(DemandAttachment.objects.filter(pk=second.pk).exists())

    def test_the_sweep_removes_only_files_no_row_names(self) -> None:
        row = self.add()
        orphan = self.root / "demands" / "attachments" / "2026" / "01" / "lost.jpg"
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"left by a rolled-back upload")
        self.assertEqual(attachments.attachment_sweep(), 0)  # too fresh: may be in flight
        self.assertEqual(attachments.attachment_sweep(older_than=dt.timedelta(0)), 1)
        self.assertFalse(orphan.exists())
        self.assertTrue((self.root / row.file.name).exists())
        self.assertTrue((self.root / row.thumbnail.name).exists())


class TestPages(AttachmentBase):
    __test__ = True

    def test_the_phone_form_submits_a_demand_with_a_photo_in_one_go(self) -> None:
        self.login(self.contact_user)
        page = self.client.get(reverse("demands:demand_submit")).content.decode()
        self.assertIn('enctype="multipart/form-data"', page)
        self.assertIn('accept="image/*,application/pdf"', page)
        self.assertIn('capture="environment"', page)
        response = self.phone_post({"photo": upload("现场.jpg", photo_bytes())})
        self.assertEqual(response.status_code, 302)
        demand = Demand.objects.get(title="设备改造咨询")
        row = demand.attachments.get()
        self.assertEqual(row.created_by, self.contact_user)
        detail = self.client.get(demand.get_absolute_url())
        self.assertContains(detail, reverse("demands:attachment_thumbnail", args=[row.pk]))
        self.assertContains(detail, "现场.jpg")

    def test_staff_see_thumbnails_add_and_remove_on_the_demand_page(self) -> None:
        row = self.add()
        self.login(self.staff_a1)
        page = self.client.get(self.demand.get_absolute_url())
        self.assertContains(page, reverse("demands:attachment_thumbnail", args=[row.pk]))
        self.assertContains(page, reverse("demands:attachment_add", args=[self.demand.pk]))
        self.assertContains(page, reverse("demands:attachment_delete", args=[row.pk]))
        response = self.client.post(
            reverse("demands:attachment_add", args=[self.demand.pk]),
            {"attachment": upload("假图.jpg", b"GIF89a not a jpeg")},
            follow=True,
        )
        self.assertContains(response, "附件：文件“假图.jpg”的内容与扩展名 .jpg 不符")
        self.assertEqual(self.demand.attachments.count(), 1)
        response = self.client.post(reverse("demands:attachment_delete", args=[row.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(self.demand.attachments.exists())

    def test_other_unit_staff_cannot_add_to_a_demand_they_cannot_see(self) -> None:
        self.login(self.staff_a2)
        response = self.client.post(
            reverse("demands:attachment_add", args=[self.demand.pk]),
            {"attachment": upload("a.jpg", photo_bytes())},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(DemandAttachment.objects.exists())


class TestApi(AttachmentBase):
    __test__ = True
    url = "/api/v1/demands/attachments/"

    def test_list_upload_download_and_remove_within_scope(self) -> None:
        self.login(self.contact_user)
        lie = self.client.post(
            self.url, {"demand": self.demand.pk, "file": upload("a.jpg", b"<html></html>")}
        )
        self.assertEqual(lie.status_code, 400)
        self.assertIn("附件：", lie.content.decode())
        created = self.client.post(
            self.url, {"demand": self.demand.pk, "file": upload("现场.jpg", photo_bytes())}
        )
        self.assertEqual(created.status_code, 201, created.content)
        body = created.json()
        self.assertEqual((body["kind"], body["scan_status_display"]), ("jpg", "未扫描"))
        listed = self.client.get(self.url, {"demand": self.demand.pk}).json()
        self.assertEqual([r["id"] for r in listed["results"]], [body["id"]])
        self.assertEqual(self.client.get(body["download_url"]).status_code, 200)
        self.assertEqual(self.client.get(body["thumbnail_url"]).status_code, 200)
        for user in (self.staff_a2, self.other_contact):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url).json()["results"], [])
                self.assertEqual(self.client.get(body["download_url"]).status_code, 404)
                self.assertEqual(self.client.delete(f"{self.url}{body['id']}/").status_code, 404)
                refused = self.client.post(
                    self.url, {"demand": self.demand.pk, "file": upload("b.jpg", photo_bytes())}
                )
                self.assertEqual(refused.status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(body["download_url"]).status_code, 401)
        self.login(self.staff_a1)
        self.assertEqual(self.client.delete(f"{self.url}{body['id']}/").status_code, 204)
        self.assertFalse(DemandAttachment.objects.exists())


class TestDemandAttachmentScope(DataScopeMatrixTests):
    __test__ = True
    model = DemandAttachment

    def make_row(self, unit: Organization, owner: Any) -> DemandAttachment:
        demand = make_demand(make_enterprise(unit, owner), owner)
        return DemandAttachment.objects.create(
            demand=demand,
            file=f"demands/attachments/t/{demand.pk}.pdf",
            name="图纸.pdf",
            kind="pdf",
            size=10,
            sha256="0" * 64,
            created_by=owner,
            updated_by=owner,
        )
