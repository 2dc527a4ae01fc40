"""Data-scope matrix of the batches; pages, API (incl. the OpenAPI schema) and the command."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.core.testing.cases import DataScopeMatrixTests
from jiangqiao.exchange.models import ExchangeBatch
from jiangqiao.talents.models import Craftsman

from .helpers import build, parse, wipe

SOURCE = "gd-province"


class TestBatchScope(DataScopeMatrixTests):
    __test__ = True
    model = ExchangeBatch

    def make_row(self, unit: Any, owner: Any) -> ExchangeBatch:
        return ExchangeBatch.objects.create(
            org=unit, created_by=owner, updated_by=owner, direction="import"
        )


@pytest.fixture
def source(world, settings):
    settings.INSTANCE_ID = SOURCE
    return build(world.county_a1, world.province_admin)


def streamed(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.mark.django_db
def test_pages_list_detail_export_and_import(client, world, settings, source):
    client.force_login(world.province_admin)
    assert client.get(reverse("exchange:export")).status_code == 200
    response = client.post(reverse("exchange:export"), {"pii": "hash", "types": ["craftsman"]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert "attachment" in response["Content-Disposition"]
    text = streamed(response)
    assert [r["type"] for r in parse(text)[1]] == ["craftsman", "craftsman"]
    bad = client.post(reverse("exchange:export"), {"pii": "plain"})
    assert bad.status_code == 400

    wipe()
    settings.INSTANCE_ID = "national"
    assert client.get(reverse("exchange:import")).status_code == 200
    upload = SimpleUploadedFile("gd.jsonl", text.encode(), content_type="application/x-ndjson")
    response = client.post(reverse("exchange:import"), {"file": upload, "dry_run": "on"})
    assert response.status_code == 302
    batch = ExchangeBatch.objects.filter(direction="import").latest("pk")
    assert batch.status == "dry_run" and not Craftsman.objects.exists()
    page = client.get(batch.get_absolute_url())
    assert (
        page.status_code == 200
        and "预检" in page.content.decode()
        and "正式导入" in page.content.decode()
    )
    upload = SimpleUploadedFile("gd.jsonl", text.encode())
    response = client.post(reverse("exchange:import"), {"file": upload})
    batch = ExchangeBatch.objects.filter(direction="import").latest("pk")
    assert batch.status == "done" and Craftsman.objects.count() == 2
    listing = client.get(reverse("exchange:exchangebatch_list"))
    assert listing.status_code == 200 and f"#{batch.pk}" in listing.content.decode()


@pytest.mark.django_db
def test_batch_pages_answer_404_outside_the_scope_and_403_without_permission(client, world, source):
    other = ExchangeBatch.objects.create(
        org=world.county_b1, created_by=world.city_admin_b, direction="import"
    )
    client.force_login(world.city_admin_a)
    assert client.get(other.get_absolute_url()).status_code == 404
    client.force_login(world.auditor)
    assert client.get(reverse("exchange:exchangebatch_list")).status_code == 403
    assert client.get(reverse("exchange:export")).status_code == 403
    assert client.get(reverse("exchange:import")).status_code == 403


@pytest.mark.django_db
def test_failed_import_page_lists_the_bad_lines(client, world, source):
    client.force_login(world.province_admin)
    upload = SimpleUploadedFile("bad.jsonl", b'{"format":"jiangqiao-exchange","version":"9.9"}\n')
    client.post(reverse("exchange:import"), {"file": upload})
    batch = ExchangeBatch.objects.filter(direction="import").latest("pk")
    content = client.get(batch.get_absolute_url()).content.decode()
    assert "整个文件未写入" in content and "格式版本“9.9”不受支持" in content


@pytest.mark.django_db
def test_api_export_import_and_batches(world, settings, source):
    api = APIClient()
    api.force_authenticate(world.province_admin)
    response = api.get("/api/v1/exchange/export/", {"types": "enterprise,demand", "pii": "masked"})
    assert response.status_code == 200
    text = streamed(response)
    header, records = parse(text)
    assert header["pii"] == "masked" and {r["type"] for r in records} == {"enterprise", "demand"}
    assert api.get("/api/v1/exchange/export/", {"types": "robot"}).status_code == 400
    assert api.get("/api/v1/exchange/export/", {"since": "x"}).status_code == 400

    wipe()
    settings.INSTANCE_ID = "national"
    response = api.post(
        "/api/v1/exchange/import/?dry_run=true",
        data=text.encode(),
        content_type="application/x-ndjson",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"]["value"] == "dry_run"
    upload = SimpleUploadedFile("gd.jsonl", text.encode())
    response = api.post("/api/v1/exchange/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201 and response.json()["new_count"] == 2
    bad = api.post("/api/v1/exchange/import/", data=b"{oops", content_type="application/x-ndjson")
    assert bad.status_code == 400 and bad.json()["report"]["errors"][0]["line"] == 1
    batches = api.get("/api/v1/exchange/batches/").json()
    assert batches["count"] >= 3
    detail = api.get(f"/api/v1/exchange/batches/{response.json()['id']}/")
    assert detail.status_code == 200

    outsider = APIClient()
    outsider.force_authenticate(world.auditor)
    assert outsider.get("/api/v1/exchange/export/").status_code == 403
    assert outsider.post("/api/v1/exchange/import/", {}).status_code == 403


@pytest.mark.django_db
def test_openapi_schema_lists_the_exchange_endpoints(world):
    api = APIClient()
    api.force_authenticate(world.superuser)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/v1/exchange/export/" in paths and "/api/v1/exchange/import/" in paths
    assert "/api/v1/exchange/batches/" in paths


@pytest.mark.django_db
def test_command_export_and_import(tmp_path, world, settings, source):
    out = tmp_path / "gd.jsonl"
    stdout = io.StringIO()
    call_command("exchange", "export", "--out", str(out), "--user", "province_admin", stdout=stdout)
    assert "已导出 7 条记录" in stdout.getvalue()
    assert parse(out.read_text(encoding="utf-8"))[0]["instance"] == SOURCE
    wipe()
    settings.INSTANCE_ID = "national"
    stdout = io.StringIO()
    call_command("exchange", "import", str(out), "--user", "province_admin", stdout=stdout)
    assert "新增 7" in stdout.getvalue()
    stdout = io.StringIO()
    call_command("exchange", "import", str(out), "--user", "province_admin", stdout=stdout)
    assert "新增 0，更新 0，未变化 7" in stdout.getvalue()
    bad = tmp_path / "bad.jsonl"
    lines = out.read_text(encoding="utf-8").splitlines()
    lines.append("{broken")
    bad.write_text("\n".join(lines), encoding="utf-8")
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("exchange", "import", str(bad), "--user", "province_admin", stderr=stderr)
    assert f"第{len(lines)}行" in stderr.getvalue()
    with pytest.raises(CommandError, match="不存在"):
        call_command("exchange", "import", str(bad), "--user", "nobody")
    with pytest.raises(CommandError, match="记录类型"):
        call_command(
            "exchange", "export", "--out", str(out), "--types", "x", "--user", "province_admin"
        )
    assert (
        json.loads(out.read_text(encoding="utf-8").splitlines()[0])["format"]
        == "jiangqiao-exchange"
    )
