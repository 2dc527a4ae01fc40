"""Chinese, field-named messages everywhere (issue 14, point 6).

One module (``core.field_messages``) rewords Django's and DRF's defaults by code; selects say
请选择; boolean filters read 不限/是/否 (不限 the default, e.g. the 用户 list's 启用); text boxes
with a limit carry ``maxlength`` and a live counter (``static/jiangqiao/app.js``).
"""

from __future__ import annotations

from pathlib import Path

import django_filters as filters
import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.core.field_messages import (
    localize_filter_form,
    localize_form,
    named_messages,
)
from jiangqiao.orgs.models import Organization

pytestmark = pytest.mark.django_db


class SampleForm(forms.Form):
    title = forms.CharField(label="需求标题", max_length=5)
    description = forms.CharField(label="需求描述", max_length=10, widget=forms.Textarea)
    org = forms.ModelChoiceField(label="所属组织", queryset=Organization.objects.all())
    kind = forms.ChoiceField(label="需求类型", choices=[("", "---------"), ("a", "甲")])
    count = forms.IntegerField(label="培训人数", min_value=0, max_value=10, required=False)
    deadline = forms.DateField(label="期望完成日期", required=False)


def errors(data: dict[str, str]) -> dict[str, list[str]]:
    form = localize_form(SampleForm(data))
    assert not form.is_valid()
    return dict(form.errors)


def test_required_names_the_field_and_selects_say_choose():
    found = errors({})
    assert found["title"] == ["请填写需求标题"]
    assert found["org"] == ["请选择所属组织"]
    assert found["kind"] == ["请选择需求类型"]


def test_length_choice_number_and_date_messages():
    found = errors(
        {
            "title": "一二三四五六",
            "description": "字" * 12,
            "org": "999999",
            "kind": "zz",
            "count": "11",
            "deadline": "2026-13-45",
        }
    )
    assert found["title"] == ["需求标题最多 5 个字（现有 6 个）"]
    assert found["description"] == ["需求描述最多 10 个字（现有 12 个）"]
    assert found["org"] == ["所属组织：所选的值不在可选范围内，请重新选择"]
    assert found["kind"] == ["需求类型：所选的值不在可选范围内，请重新选择"]
    assert found["count"] == ["培训人数不能大于 10"]
    assert found["deadline"] == ["期望完成日期：请输入有效的日期，如 2026-03-15"]
    assert errors({"count": "abc"})["count"] == ["培训人数应为整数"]


def test_empty_labels_and_the_counter_attributes():
    form = localize_form(SampleForm())
    html = str(form["org"]) + str(form["kind"])
    assert "请选择" in html and "---------" not in html
    textarea = str(form["description"])
    assert 'maxlength="10"' in textarea and "data-counter" in textarea
    assert "data-counter" in str(form["title"])
    script = Path(settings.BASE_DIR, "jiangqiao/static/jiangqiao/app.js").read_text()
    assert "data-counter" in script and "已输入" in script


def test_a_one_time_code_box_has_its_limit_but_no_counter():
    class CodeForm(forms.Form):
        code = forms.CharField(
            label="验证码",
            max_length=12,
            widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
        )
        name = forms.CharField(label="姓名", max_length=12)

    form = localize_form(CodeForm())
    code = str(form["code"])
    assert 'maxlength="12"' in code and "data-counter" not in code
    assert "data-counter" in str(form["name"])


def test_model_errors_from_a_service_are_reworded_ours_kept():
    error = ValidationError(
        "Ensure…", code="max_length", params={"limit_value": 5000, "show_value": 5012}
    )
    assert named_messages(error, "需求描述") == ["需求描述最多 5000 个字（现有 5012 个）"]
    ours = ValidationError("期望完成日期不能早于今天", code="date_not_past")
    assert named_messages(ours, "期望完成日期") == ["期望完成日期不能早于今天"]


class ActiveFilter(filters.FilterSet):
    is_active = filters.BooleanFilter(label="启用")

    class Meta:
        model = Organization
        fields: list[str] = []


def test_boolean_filters_read_any_yes_no():
    form = localize_filter_form(ActiveFilter({}).form)
    html = str(form["is_active"])
    assert ">不限<" in html and ">是<" in html and ">否<" in html and "未知" not in html
    assert 'value="unknown" selected' in html


def test_user_list_active_filter_defaults_to_any(world):
    client = APIClient()
    client.force_login(world.superuser)
    page = client.get(reverse("accounts:user_list")).content.decode()
    assert "不限" in page and "未知" not in page
    assert "---------" not in page


def test_status_filters_offer_no_empty_status(world):
    """A status is never empty: the filter lists 不限 and the statuses, no 「（空）」."""
    client = APIClient()
    client.force_login(world.superuser)
    for name in ("demands:demand_list", "academy:trainingclass_list", "academy:order_list"):
        page = client.get(reverse(name)).content.decode()
        assert 'name="status"' in page, name
        assert "（空）" not in page and 'value="null"' not in page, name


def test_api_messages_name_the_field(world):
    client = APIClient()
    client.force_authenticate(world.city_admin_a)
    response = client.post("/api/v1/demands/demands/", {"kind": "nope"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["kind"] == ["需求类型：所选的值不在可选范围内"]
    assert body["title"][0].startswith("请填写") and "该字段" not in str(body)
    long = client.post(
        "/api/v1/demands/demands/", {"title": "题" * 500, "kind": "other"}, format="json"
    )
    assert "最多" in long.json()["title"][0]


def test_no_list_filter_panel_shows_dashes(world):
    """Every select of every list's filter panel says 不限 (or 请选择), never Django's ---------."""
    client = APIClient()
    client.force_login(world.superuser)
    pages = [
        "demands:demand_list",
        "demands:enterprise_list",
        "talents:craftsman_list",
        "talents:serviceteam_list",
        "orgs:organization_list",
        "accounts:role_list",
        "casework:offer_list",
        "casework:queue",
        "core:changelog_list",
    ]
    for name in pages:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        page = response.content.decode()
        begin = page.find('class="filter-form"')
        panel = page[begin : page.find("</form>", begin)] if begin >= 0 else page
        assert "---------" not in panel, name
        assert ">不限<" in panel, name
