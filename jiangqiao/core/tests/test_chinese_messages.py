"""No English sentences in the messages users read (issue 12, item 8.5).

Malformed JSON, a body in another encoding or nested too deep, a broken multipart body, an empty
(``null``) body, a wrong content type, a bad method, an unacceptable ``Accept``, a missing CSRF
token, a CSV with an over-long field or a NUL byte: every answer is Chinese (and none is a 500).
"""

from __future__ import annotations

import csv
import inspect
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from rest_framework import exceptions, fields, relations, serializers
from rest_framework.test import APIClient

from jiangqiao.core.api.exceptions import exception_handler
from jiangqiao.core.io.files import FileRejected, read_table
from jiangqiao.core.testing.messages import english_fragments, visible_text

pytestmark = pytest.mark.django_db
API = "/api/v1/demands/demands/"


def test_the_helper_flags_sentences_not_codes():
    assert english_fragments("JSON parse error - Expecting value: line 1 column 1 (char 0)")
    assert english_fragments("CSV 文件格式有误：field larger than field limit (131072)")
    assert english_fragments("CSRF Failed: CSRF cookie not set.")
    for fine in (
        "统一社会信用代码（USCC）应为 18 位，见 GB 32100-2015",
        "行政区划代码应为 GB/T 2260 六位代码，请另存为“CSV UTF-8”",
        'If-Match 请求头应为读取到的版本号，如 "3"；X-CSRFToken；Idempotency-Key',
        "请求已被限流。 预计 5 秒后可用。",
    ):
        assert english_fragments(fine) == [], fine


def _messages(body: Any) -> str:
    if isinstance(body, dict):
        return " ".join(_messages(v) for v in body.values())
    if isinstance(body, list):
        return " ".join(_messages(v) for v in body)
    return str(body)


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.city_admin_a)
    return client


BAD_BODIES = [
    ("malformed JSON", b'{"title": "x",}', "application/json", 400),
    ("JSON with a missing value", b'{"title": }', "application/json", 400),
    ("JSON in GBK", '{"title": "需求"}'.encode("gbk"), "application/json", 400),
    ("JSON nested too deep", b"[" * 100_000, "application/json", 400),
    ("multipart without a boundary", b"--x\r\n", "multipart/form-data", 400),
    ("null body", b"null", "application/json", 400),
    ("wrong content type", b"title=x", "text/plain", 415),
    ("XML body", b"<demand/>", "application/xml", 415),
]


@pytest.mark.parametrize(
    ("case", "body", "content_type", "status"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES]
)
def test_bad_bodies_are_answered_in_chinese(api, case, body, content_type, status):
    response = api.generic("POST", API, body, content_type=content_type)
    assert response.status_code == status, response.content
    text = _messages(response.json())
    assert english_fragments(text) == [], text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text


def test_json_errors_say_where(api):
    response = api.generic(
        "POST", API, b'{\n  "title": "x",\n  "kind": }', content_type="application/json"
    )
    text = _messages(response.json())
    assert "JSON" in text and "第 3 行" in text and "列" in text, text


def test_bad_method_and_accept_are_answered_in_chinese(api):
    for response in (
        api.delete(API),
        api.put(API, {}, format="json"),
        api.get(API, HTTP_ACCEPT="application/xml"),
    ):
        assert response.status_code in (405, 406)
        text = _messages(response.json())
        assert english_fragments(text) == [] and text, text


def test_missing_csrf_token_is_answered_in_chinese(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.city_admin_a)
    response = client.post(API, b"{}", content_type="application/json")
    assert response.status_code == 403
    text = _messages(response.json())
    assert english_fragments(text) == [], text
    assert "CSRF" in text and "X-CSRFToken" in text, text


@pytest.mark.parametrize(
    "exc",
    [
        exceptions.ParseError(),
        exceptions.AuthenticationFailed(),
        exceptions.NotAuthenticated(),
        exceptions.PermissionDenied(),
        exceptions.NotFound(),
        exceptions.MethodNotAllowed("PATCH"),
        exceptions.NotAcceptable(),
        exceptions.UnsupportedMediaType("text/csv"),
        exceptions.Throttled(wait=30),
    ],
    ids=lambda e: type(e).__name__,
)
def test_drf_exceptions_are_chinese(exc):
    with translation.override("zh-hans"):
        response = exception_handler(exc, {})
        assert response is not None
        text = _messages(response.data)
    assert english_fragments(text, min_words=3) == [], text


def test_field_and_filter_messages_are_chinese():
    import django_filters.fields as filter_fields

    found = []
    with translation.override("zh-hans"):
        for module in (fields, serializers, relations, filter_fields):
            for name, cls in vars(module).items():
                if not inspect.isclass(cls):
                    continue
                for key, message in getattr(cls, "default_error_messages", {}).items():
                    if english_fragments(str(message), min_words=3):
                        found.append(f"{module.__name__}.{name}[{key}]: {message}")
    assert found == []


def _csv_with_long_field() -> bytes:
    limit = csv.field_size_limit()
    return ("姓名,专长\n张工,短\n李工," + "长" * (limit + 10) + "\n").encode()


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (_csv_with_long_field(), 3),
        ("姓名,专长\n张工,数控\r加工\n李工,焊接\n".encode(), 2),
    ],
    ids=["over-long field", "carriage return in an unquoted field"],
)
def test_csv_errors_are_chinese_and_name_the_line(data, line):
    with pytest.raises(FileRejected) as caught:
        read_table(data, "名单.csv")
    message = caught.value.message
    assert english_fragments(message, min_words=3) == [], message
    assert f"第{line}行" in message.replace(" ", ""), message


@pytest.fixture
def inline_import(settings):
    settings.JIANGQIAO_IMPORT_INLINE_MAX_BYTES = 4 * 1024 * 1024  # checked in the request


def test_csv_with_an_over_long_field_through_the_import_api(api, inline_import):
    response = api.post(
        "/api/v1/imports/batches/",
        {
            "spec": "talents.craftsman",
            "file": SimpleUploadedFile("名单.csv", _csv_with_long_field()),
        },
        format="multipart",
    )
    assert response.status_code in (201, 400), response.content
    text = _messages(response.json())
    assert "第3行" in text.replace(" ", ""), text
    assert english_fragments(text, min_words=3) == [], text


def test_import_page_shows_the_csv_error_in_chinese(world, client, inline_import):
    client.force_login(world.city_admin_a)
    response = client.post(
        "/import/talents.craftsman/",
        {
            "file": SimpleUploadedFile("名单.csv", _csv_with_long_field()),
            "mode": "valid",
            "policy": "fill",
        },
        follow=True,
    )
    text = visible_text(response.content.decode())
    assert "第3行" in text.replace(" ", ""), text[-2000:]
    assert not [f for f in english_fragments(text) if "field" in f], text[-2000:]
