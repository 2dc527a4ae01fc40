"""Key rotation and the files encrypted with the field key: after ``rotate_field_key`` the old key is
retired, and every kind of stored file must still open (import workbooks, error workbooks, PIPL
access copies, stored export files and 上报统计表, the private files: demand attachments, their
thumbnails and service-session evidence, a legacy one still in clear included). Before the rotation rewrote files, retiring the
key made each of them unreadable."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from unittest import mock

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import override_settings

from jiangqiao.casework.session_models import SessionEvidence
from jiangqiao.core import crypto, files
from jiangqiao.core.io import services as io_services
from jiangqiao.core.io.exporting import download_response, read_stored_file, store_file
from jiangqiao.core.models import ImportBatch, Job
from jiangqiao.core.testing.sheets import xlsx
from jiangqiao.dashboards import report
from jiangqiao.demands.models import DemandAttachment
from jiangqiao.privacy import services as privacy_services
from jiangqiao.privacy.choices import RequestKind
from jiangqiao.privacy.models import DataSubjectRequest
from jiangqiao.privacy.tests.helpers import PrivacyWorld
from jiangqiao.talents.tests import test_import as talent_import

NEW = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0y"
STRANGER = "c3RyYW5nZXIta2V5LXN0cmFuZ2VyLWtleS1zdHJhbmdl"


def rotating() -> dict[str, object]:
    current = settings.FIELD_ENCRYPTION_KEY
    return {
        "FIELD_ENCRYPTION_KEY": NEW,
        "FIELD_ENCRYPTION_OLD_KEYS": [current],
        "FIELD_INDEX_KEY": current,
    }


def retired() -> dict[str, object]:
    """The old key removed from the configuration (the index key stays pinned)."""
    return {**rotating(), "FIELD_ENCRYPTION_OLD_KEYS": []}


class StoredFilesRotationTests(PrivacyWorld):
    def setUp(self) -> None:
        super().setUp()
        self.temporary_dir_setting("MEDIA_ROOT")
        self.private_root = Path(self.temporary_dir_setting("JIANGQIAO_PRIVATE_ROOT"))

    def stored_files(self) -> dict[str, object]:
        """One file of every kind, all under the key configured now."""
        admin = self.world.city_admin_a
        upload = xlsx([talent_import.HEADER, talent_import.row(1, id="12345")])
        batch = io_services.import_upload(
            actor=admin, spec_key="talents.craftsman", file_name="名单.xlsx", data=upload
        )
        io_services.import_check(actor=admin, batch=batch)
        batch.refresh_from_db()
        errors = io_services.error_workbook_bytes(batch)
        self.assertIsNotNone(errors)
        dsr = privacy_services.request_submit(actor=self.user_a, kind=RequestKind.ACCESS)
        _, copy = privacy_services.export_download(actor=self.user_a, dsr=dsr)
        return {
            "batch": batch.pk,
            "upload": upload,
            "errors": errors,
            "dsr": dsr.pk,
            "copy": copy,
            "export": store_file(b"name,mobile\n", "csv"),
            "report": store_file(b"%PDF-1.4 report", "pdf"),
        }

    def read_all(self, files: dict[str, object]) -> dict[str, object]:
        batch = ImportBatch.objects.get(pk=files["batch"])
        dsr = DataSubjectRequest.objects.get(pk=files["dsr"])
        export_job = Job(result={"file": files["export"], "format": "csv", "name": "名单.csv"})
        report_job = Job(result={"files": {"pdf": files["report"]}, "names": {"pdf": "表.pdf"}})
        return {
            "upload": io_services.batch_file(batch),
            "errors": io_services.error_workbook_bytes(batch),
            "copy": privacy_services.export_download(actor=self.user_a, dsr=dsr)[1],
            "export": download_response(export_job).content,
            "report": report.stored_file(report_job, "pdf")[0],
        }

    def test_every_stored_file_opens_after_rotation_and_the_old_keys_retirement(self) -> None:
        files = self.stored_files()
        with override_settings(**rotating()):
            out = StringIO()
            call_command("rotate_field_key", "--batch", "1", stdout=out)
            self.assertIn("加密文件 5 个：重新加密 5 个", out.getvalue())
            self.assertIn("导出文件：2 个，重新加密 2 个文件", out.getvalue())
            again = StringIO()
            call_command("rotate_field_key", stdout=again)
            self.assertIn("加密文件 5 个：重新加密 0 个，已是主密钥 5 个", again.getvalue())
            self.assertIn("无法解密 0 个", again.getvalue())
        with override_settings(**retired()):
            self.assertEqual(
                self.read_all(files),
                {
                    "upload": files["upload"],
                    "errors": files["errors"],
                    "copy": files["copy"],
                    "export": b"name,mobile\n",
                    "report": b"%PDF-1.4 report",
                },
            )
        # The names in the job results still point at the files (replaced in place, not renamed).
        self.assertTrue(files["export"].endswith(".csv.enc"))

    def test_without_the_rotation_retiring_the_key_loses_the_files(self) -> None:
        # The attack the rotation answers: the very same files, the key retired without a run.
        files = self.stored_files()
        with override_settings(**retired()):
            batch = ImportBatch.objects.get(pk=files["batch"])
            with self.assertRaises(InvalidTag):
                io_services.batch_file(batch)
            with self.assertRaises(InvalidTag):
                read_stored_file(str(files["export"]))

    def test_a_stored_file_no_key_opens_is_named_and_fails_the_run(self) -> None:
        with override_settings(FIELD_ENCRYPTION_KEY=STRANGER):
            foreign = store_file(b"from another key set", "xlsx")
        mine = store_file(b"mine", "csv")
        err = StringIO()
        with override_settings(**rotating()), self.assertRaisesMessage(CommandError, "无法"):
            call_command("rotate_field_key", stdout=StringIO(), stderr=err)
        self.assertIn(f"导出文件 {foreign}", err.getvalue())
        # The readable one was still rotated; the foreign one was left as it was.
        with override_settings(**retired()):
            self.assertEqual(read_stored_file(mine), b"mine")
        with override_settings(FIELD_ENCRYPTION_KEY=STRANGER):
            self.assertEqual(read_stored_file(foreign), b"from another key set")

    def test_a_file_column_saved_meanwhile_is_not_overwritten(self) -> None:
        files = self.stored_files()
        real = crypto.decrypt_bytes_with_key_index
        with override_settings(**rotating()):
            fresh = crypto.encrypt_bytes(b"saved meanwhile")

            def save_then_decrypt(blob: bytes) -> tuple[bytes, int]:
                # The copy is replaced between the rotation's read and its write.
                if real(blob)[0] == files["copy"]:
                    DataSubjectRequest.objects.filter(pk=files["dsr"]).update(export_data=fresh)
                return real(blob)

            out = StringIO()
            with mock.patch.object(crypto, "decrypt_bytes_with_key_index", save_then_decrypt):
                call_command("rotate_field_key", stdout=out)
            self.assertIn("期间被他人修改或清理 1 个", out.getvalue())
        with override_settings(**retired()):
            dsr = DataSubjectRequest.objects.get(pk=files["dsr"])
            self.assertEqual(crypto.decrypt_bytes(bytes(dsr.export_data)), b"saved meanwhile")


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 a thumbnail"


class PrivateFilesRotationTests(PrivacyWorld):
    """Demand attachments and session evidence, stored through their fields' own storage."""

    def setUp(self) -> None:
        super().setUp()
        # The run reads every stored file: other tests' exports (under other keys) stay out.
        self.temporary_dir_setting("MEDIA_ROOT")
        self.private_root = Path(self.temporary_dir_setting("JIANGQIAO_PRIVATE_ROOT"))

    def private_files(self) -> dict[str, tuple[object, bytes]]:
        attachment = DemandAttachment._meta.get_field("file").storage  # type: ignore[attr-defined]
        thumbnail = DemandAttachment._meta.get_field("thumbnail").storage  # type: ignore[attr-defined]
        evidence = SessionEvidence._meta.get_field("file").storage  # type: ignore[attr-defined]
        stored = {
            "attachment": (attachment, "demands/attachments/2026/12/a.pdf", PDF),
            "thumbnail": (thumbnail, "demands/thumbnails/2026/12/a.jpg", JPEG),
            "evidence": (evidence, "casework/evidence/2026/12/e.pdf", PDF + b"evidence"),
        }
        out: dict[str, tuple[object, bytes]] = {}
        for key, (storage, name, data) in stored.items():
            out[key] = (storage, data)
            self.assertEqual(storage.save(name, ContentFile(data)), name)
            self.assertNotIn(data[:8], (self.private_root / name).read_bytes())
        # Written in clear before private files were encrypted.
        legacy = self.private_root / "casework/evidence/2025/01/old.pdf"
        legacy.parent.mkdir(parents=True)
        legacy.write_bytes(PDF + b"legacy")
        out["legacy"] = (evidence, PDF + b"legacy")
        self.names = {
            **{k: v[1] for k, v in stored.items()},
            "legacy": "casework/evidence/2025/01/old.pdf",
        }
        return out

    def opened(self, stored: dict[str, tuple[object, bytes]]) -> dict[str, bytes]:
        result = {}
        for key, (storage, _) in stored.items():
            with storage.open(self.names[key], "rb") as handle:  # type: ignore[attr-defined]
                result[key] = handle.read()
        return result

    def test_attachments_and_evidence_open_after_rotation_and_the_old_keys_retirement(self) -> None:
        stored = self.private_files()
        self.assertEqual(self.opened(stored), {k: v[1] for k, v in stored.items()})
        with override_settings(**rotating()):
            out = StringIO()
            call_command("rotate_field_key", stdout=out)
            self.assertIn("私有文件 4 个：重新加密 4 个（其中原为明文 1 个）", out.getvalue())
            again = StringIO()
            call_command("rotate_field_key", stdout=again)
            self.assertIn(
                "私有文件 4 个：重新加密 0 个（其中原为明文 0 个），已是主密钥 4 个",
                again.getvalue(),
            )
            self.assertIn("无法解密 0 个", again.getvalue())
        with override_settings(**retired()):
            self.assertEqual(self.opened(stored), {k: v[1] for k, v in stored.items()})
        legacy = (self.private_root / self.names["legacy"]).read_bytes()
        self.assertTrue(files.is_encrypted(legacy))
        self.assertNotIn(b"%PDF", legacy)
        # No spare copy of the run is left beside the files.
        self.assertEqual(list(self.private_root.rglob(".*")), [])

    def test_without_any_old_key_the_run_only_encrypts_the_files_still_in_clear(self) -> None:
        stored = self.private_files()
        out = StringIO()
        call_command("rotate_field_key", stdout=out)
        self.assertIn(
            "私有文件 4 个：重新加密 1 个（其中原为明文 1 个），已是主密钥 3 个", out.getvalue()
        )
        self.assertTrue(files.is_encrypted((self.private_root / self.names["legacy"]).read_bytes()))
        self.assertEqual(self.opened(stored), {k: v[1] for k, v in stored.items()})

    def test_without_the_rotation_retiring_the_key_makes_private_files_unreadable(self) -> None:
        stored = self.private_files()
        with override_settings(**retired()):
            storage = stored["attachment"][0]
            with self.assertRaises(files.UnreadableFile), self.assertLogs("jiangqiao.core.files"):
                storage.open(self.names["attachment"], "rb")  # type: ignore[attr-defined]
            # The clear legacy file is not concerned by keys.
            with stored["legacy"][0].open(self.names["legacy"], "rb") as handle:  # type: ignore[attr-defined]
                self.assertEqual(handle.read(), stored["legacy"][1])

    def test_a_private_file_no_key_opens_is_named_and_fails_the_run(self) -> None:
        stored = self.private_files()
        with override_settings(FIELD_ENCRYPTION_KEY=STRANGER):
            stored["attachment"][0].save(  # type: ignore[attr-defined]
                "demands/attachments/2026/12/foreign.pdf", ContentFile(PDF)
            )
        err = StringIO()
        with override_settings(**rotating()), self.assertRaisesMessage(CommandError, "无法"):
            call_command("rotate_field_key", stdout=StringIO(), stderr=err)
        self.assertIn("私有文件 demands/attachments/2026/12/foreign.pdf", err.getvalue())
        # The readable ones were still rotated.
        with override_settings(**retired()):
            self.assertEqual(self.opened(stored), {k: v[1] for k, v in stored.items()})
