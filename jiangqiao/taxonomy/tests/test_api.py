"""The read-only API: lists, details, search, parameter errors (400, never 500), schema."""

from __future__ import annotations

import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

BASE = "/api/v1/taxonomy"


def test_anonymous_users_are_refused():
    response = APIClient().get(f"{BASE}/search/", {"scheme": "region", "q": "szs"})
    assert response.status_code in (401, 403)


def test_schemes_lists_versions_and_counts(api_client):
    response = api_client.get(f"{BASE}/schemes/")
    assert response.status_code == 200
    schemes = {row["scheme"]: row for row in response.json()}
    assert schemes["industry"]["version"] == "GB/T 4754-2017"
    assert [lv["count"] for lv in schemes["industry"]["levels"]] == [20, 97, 473, 1381]
    assert schemes["occupation"]["count"] == 2047


def test_search_finds_shenzhen_by_initials(api_client):
    response = api_client.get(f"{BASE}/search/", {"scheme": "region", "q": "szs"})
    assert response.status_code == 200
    first = response.json()[0]
    assert first == {
        "scheme": "region",
        "code": "440300",
        "label": "深圳市",
        "version": "GB/T 2260 (2025-12-31)",
        "level": 2,
        "path_label": "广东省 / 深圳市",
    }


def test_search_honours_limit_level_and_within(api_client):
    response = api_client.get(
        f"{BASE}/search/", {"scheme": "region", "q": "4403", "level": 3, "limit": 3}
    )
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 3
    assert all(row["level"] == 3 and row["code"].startswith("4403") for row in rows)
    response = api_client.get(f"{BASE}/search/", {"scheme": "occupation", "q": "6-28-01"})
    assert all(row["code"].startswith("6-28-01") for row in response.json())


def test_term_list_filters_by_level_and_parent_with_pagination(api_client):
    response = api_client.get(f"{BASE}/terms/", {"scheme": "industry", "level": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 20
    assert body["results"][0]["code"] == "A"
    assert body["results"][0]["level_name"] == "门类"
    response = api_client.get(f"{BASE}/terms/", {"scheme": "industry", "parent": "C"})
    assert response.json()["count"] == 31
    response = api_client.get(f"{BASE}/terms/", {"scheme": "region", "page_size": 500})
    assert len(response.json()["results"]) == 100  # capped
    response = api_client.get(f"{BASE}/terms/", {"scheme": "region", "q": "gzs"})
    assert [row["label"] for row in response.json()["results"][:2]] == ["贵州省", "广州市"]


def test_term_detail_has_text_ancestors_and_children(api_client):
    response = api_client.get(f"{BASE}/terms/346/", {"scheme": "industry"})
    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "烘炉、风机、包装等设备制造"
    assert [a["code"] for a in body["ancestors"]] == ["C", "34"]
    assert "3461" in [c["code"] for c in body["children"]]
    response = api_client.get(f"{BASE}/terms/6-28-01-01/", {"scheme": "occupation"})
    assert "启停锅炉" in response.json()["tasks"]


def test_unknown_code_is_404_with_a_chinese_message(api_client):
    response = api_client.get(f"{BASE}/terms/440399/", {"scheme": "region"})
    assert response.status_code == 404
    assert response.json()["detail"] == "行政区划代码“440399”不存在（GB/T 2260）"


@pytest.mark.parametrize(
    ("url", "params", "field", "text"),
    [
        ("search/", {"q": "szs"}, "scheme", "缺少参数 scheme"),
        ("search/", {"scheme": "planet", "q": "x"}, "scheme", "未知的分类方案“planet”"),
        ("search/", {"scheme": "region", "q": "深" * 51}, "q", "参数 q 过长"),
        ("search/", {"scheme": "region", "level": "abc"}, "level", "参数 level 必须是整数"),
        ("search/", {"scheme": "region", "limit": "500"}, "limit", "参数 limit 不能大于"),
        ("terms/", {"scheme": "region", "level": "1.5"}, "level", "参数 level 必须是整数"),
        ("terms/", {}, "scheme", "缺少参数 scheme"),
        ("terms/440300/", {}, "scheme", "缺少参数 scheme"),
        ("terms/440300/", {"scheme": "nope"}, "scheme", "参数 scheme 无效"),
    ],
)
def test_invalid_parameters_answer_400_naming_the_parameter(api_client, url, params, field, text):
    response = api_client.get(f"{BASE}/{url}", params)
    assert response.status_code == 400
    body = response.json()
    assert text in body[field][0]


def test_odd_parameters_never_cause_server_errors(api_client):
    for params in (
        {"scheme": "region", "q": "\x00"},
        {"scheme": "region", "q": "%"},
        {"scheme": "region", "parent": "../../"},
        {"scheme": "region", "within": "\ud7ff"},
        {"scheme": "industry", "q": "C99999"},
    ):
        for url in ("search/", "terms/"):
            assert api_client.get(f"{BASE}/{url}", params).status_code in (200, 400), params
    assert api_client.get(f"{BASE}/terms/", {"scheme": "region", "page": "x"}).status_code == 404


def test_openapi_schema_documents_the_parameters():
    patterns = [path("api/v1/taxonomy/", include("jiangqiao.taxonomy.api.urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    search = schema["paths"]["/api/v1/taxonomy/search/"]["get"]
    params = {p["name"]: p for p in search["parameters"]}
    assert {"scheme", "q", "level", "parent", "within", "limit"} <= set(params)
    assert params["scheme"]["required"] is True
    assert "region" in params["scheme"]["schema"]["enum"]
    assert params["q"]["schema"]["maxLength"] == 50
    detail = schema["paths"]["/api/v1/taxonomy/terms/{code}/"]["get"]
    assert {"scheme", "code"} <= {p["name"] for p in detail["parameters"]}
    listing = schema["paths"]["/api/v1/taxonomy/terms/"]["get"]
    assert {"scheme", "level", "page", "page_size"} <= {p["name"] for p in listing["parameters"]}
