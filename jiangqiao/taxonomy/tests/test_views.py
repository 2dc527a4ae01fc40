"""Pages: the picker fragment, the browse page and the entry page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_picker_fragment_lists_clickable_results(page_client):
    response = page_client.get(reverse("taxonomy:picker"), {"scheme": "region", "q": "szs"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index('data-code="440300"') < html.index('data-code="320500"')
    assert 'data-label="广东省 / 深圳市"' in html
    assert "data-term-pick" in html
    assert "<html" not in html  # a fragment, not a page


def test_picker_passes_level_and_limit(page_client):
    response = page_client.get(
        reverse("taxonomy:picker"), {"scheme": "industry", "q": "C34", "levels": "4", "limit": 3}
    )
    html = response.content.decode()
    assert html.count("data-term-pick") == 3
    assert 'data-code="3411"' in html
    assert 'data-label="3411 锅炉及辅助设备制造"' in html


def test_picker_says_when_nothing_matches(page_client):
    response = page_client.get(reverse("taxonomy:picker"), {"scheme": "honour", "q": "火星"})
    assert response.status_code == 200
    assert "未找到与“火星”匹配的荣誉称号条目" in response.content.decode()


def test_picker_rejects_bad_parameters_with_a_message(page_client):
    response = page_client.get(reverse("taxonomy:picker"), {"scheme": "planet", "q": "x"})
    assert response.status_code == 400
    assert "参数 scheme 无效" in response.content.decode()
    response = page_client.get(
        reverse("taxonomy:picker"), {"scheme": "region", "q": "x", "levels": "a"}
    )
    assert response.status_code == 400
    assert "参数 levels" in response.content.decode()
    response = page_client.get(reverse("taxonomy:picker"), {"scheme": "region", "q": "深" * 60})
    assert response.status_code == 200
    assert "检索内容过长" in response.content.decode()


def test_picker_requires_login():
    response = Client().get(reverse("taxonomy:picker"), {"scheme": "region", "q": "szs"})
    assert response.status_code == 403
    assert "请重新登录" in response.content.decode()


def test_index_lists_the_schemes(page_client):
    response = page_client.get(reverse("taxonomy:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "国民经济行业分类" in html
    assert "GB/T 2260 (2025-12-31)" in html
    assert "门类 20 · 大类 97 · 中类 473 · 小类 1381" in html


def test_index_browses_an_industry_section_and_searches(page_client):
    response = page_client.get(reverse("taxonomy:index"), {"scheme": "industry"})
    html = response.content.decode()
    assert "制造业" in html and "农、林、牧、渔业" in html
    response = page_client.get(reverse("taxonomy:index"), {"scheme": "industry", "parent": "C"})
    html = response.content.decode()
    assert "通用设备制造业" in html
    assert "parent=34" in html
    response = page_client.get(reverse("taxonomy:index"), {"scheme": "region", "q": "szs"})
    assert "深圳市" in response.content.decode()
    response = page_client.get(reverse("taxonomy:index"), {"scheme": "region", "parent": "999999"})
    assert response.status_code == 404
    response = page_client.get(reverse("taxonomy:index"), {"scheme": "planet"})
    assert response.status_code == 400


def test_term_detail_shows_description_and_children(page_client):
    response = page_client.get(reverse("taxonomy:term_detail", args=["industry", "346"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "烘炉、风机、包装等设备制造" in html
    assert "3461" in html
    assert "GB/T 4754-2017" in html
    response = page_client.get(reverse("taxonomy:term_detail", args=["occupation", "6-28-01-01"]))
    assert "主要工作任务" in response.content.decode()
    response = page_client.get(reverse("taxonomy:term_detail", args=["region", "440399"]))
    assert response.status_code == 404


def test_pages_require_login():
    response = Client().get(reverse("taxonomy:index"))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]
