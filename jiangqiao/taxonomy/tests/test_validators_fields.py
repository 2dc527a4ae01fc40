"""Validators, form fields, the model field and the picker widget."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from jiangqiao.taxonomy.fields import TermCodeField
from jiangqiao.taxonomy.forms import TermChoiceField, TermMultipleChoiceField
from jiangqiao.taxonomy.models import Term
from jiangqiao.taxonomy.selectors import term_search
from jiangqiao.taxonomy.validators import (
    TermCodeValidator,
    validate_industry_code,
    validate_occupation_code,
    validate_region_code,
)
from jiangqiao.taxonomy.widgets import TermPickerWidget

pytestmark = pytest.mark.django_db


def message(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(excinfo.value.messages)


def test_valid_codes_pass():
    validate_region_code("440300")
    validate_industry_code("3461")
    validate_industry_code("C")
    validate_occupation_code("6-28-01-01")
    validate_region_code("")  # emptiness is the field's business


def test_unknown_codes_name_what_was_expected():
    with pytest.raises(ValidationError) as excinfo:
        validate_region_code("440399")
    assert message(excinfo) == "行政区划代码“440399”不存在（GB/T 2260）"
    assert excinfo.value.code == "unknown_code"
    with pytest.raises(ValidationError) as excinfo:
        validate_industry_code("9999")
    assert message(excinfo) == "国民经济行业代码“9999”不存在（GB/T 4754-2017）"
    with pytest.raises(ValidationError) as excinfo:
        validate_occupation_code("6-28-01-99")
    assert message(excinfo) == "职业代码“6-28-01-99”不存在（职业分类大典2022）"


def test_non_canonical_spelling_is_rejected_with_the_stored_form():
    with pytest.raises(ValidationError) as excinfo:
        validate_industry_code("C3461")
    assert "应为“3461”" in message(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        validate_region_code("4403")
    assert "应为“440300”" in message(excinfo)


def test_level_restriction_explains_the_expected_level():
    county = TermCodeValidator("region", levels=[3])
    county("440305")
    with pytest.raises(ValidationError) as excinfo:
        county("440300")
    assert message(excinfo) == "行政区划代码“440300”（深圳市）是地级，此处应为县级（第3级）"


def test_inactive_codes_are_rejected_unless_allowed():
    Term.objects.filter(scheme="honour", code="other").update(is_active=False)
    with pytest.raises(ValidationError, match="已停用"):
        TermCodeValidator("honour")("other")
    TermCodeValidator("honour", allow_inactive=True)("other")


def test_validator_is_deconstructible_and_comparable():
    validator = TermCodeValidator("region", levels=[3])
    path, args, kwargs = validator.deconstruct()
    assert path == "jiangqiao.taxonomy.validators.TermCodeValidator"
    assert args == ("region",)
    assert kwargs == {"levels": [3]}
    assert validator == TermCodeValidator("region", levels=(3,))
    assert validator != validate_region_code
    with pytest.raises(ValueError, match="未知的分类方案"):
        TermCodeValidator("nope")


def test_choice_field_accepts_codes_and_unambiguous_names():
    field = TermChoiceField("region")
    assert field.clean("440300") == "440300"
    assert field.clean("4403") == "440300"
    assert field.clean("深圳市") == "440300"
    assert field.clean("北京市 朝阳区") == "110105"
    industry = TermChoiceField("industry", levels=[4])
    assert industry.clean("C3461") == "3461"


def test_choice_field_rejects_ambiguous_unknown_and_wrong_level_values():
    field = TermChoiceField("region")
    with pytest.raises(ValidationError) as excinfo:
        field.clean("朝阳区")
    assert "对应多个行政区划代码" in message(excinfo)
    assert "110105 北京市 / 朝阳区" in message(excinfo)
    with pytest.raises(ValidationError, match="未找到“火星市”对应的行政区划代码"):
        field.clean("火星市")
    with pytest.raises(ValidationError, match="此处应为县级"):
        TermChoiceField("region", levels=[3]).clean("440300")
    with pytest.raises(ValidationError):
        TermChoiceField("region").clean("")
    assert TermChoiceField("region", required=False).clean("") == ""


def test_multiple_choice_field_cleans_to_unique_codes():
    field = TermMultipleChoiceField("service_type", max_items=3)
    assert field.clean(["mentoring", "技能培训", "mentoring"]) == ["mentoring", "skill_training"]
    assert field.clean("tech_service，管理提升") == ["tech_service", "management"]
    with pytest.raises(ValidationError, match="最多可选择 3 项"):
        field.clean(["tech_service", "management", "mentoring", "innovation"])
    with pytest.raises(ValidationError, match="请至少选择一项"):
        field.clean([])
    with pytest.raises(ValidationError, match="未找到“无此类型”"):
        field.clean(["tech_service", "无此类型"])


class PickerForm(forms.Form):
    region = TermChoiceField("region", label="所在地区")
    services = TermMultipleChoiceField("service_type", label="服务类型", required=False)


def test_widget_shows_the_label_of_the_current_value():
    html = str(PickerForm(initial={"region": "440305", "services": ["mentoring", "online_x"]}))
    assert 'type="hidden" name="region" value="440305"' in html
    assert 'value="广东省 / 深圳市 / 南山区"' in html
    assert 'hx-get="/taxonomy/picker/"' in html
    assert "&quot;scheme&quot;: &quot;region&quot;" in html
    assert 'name="services" value="mentoring"' in html
    assert "名师带徒" in html
    assert "data-term-remove" in html
    assert "taxonomy/picker.js" in html
    assert 'id="id_region"' in html


def test_form_round_trip_with_hidden_codes_and_typed_text():
    data = QueryDict(mutable=True)
    data.update({"region": "", "region__text": "深圳市"})
    data.setlist("services", ["mentoring", "innovation"])
    form = PickerForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"region": "440300", "services": ["mentoring", "innovation"]}

    form = PickerForm(QueryDict("region=440106&services__text=技术服务"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"region": "440106", "services": ["tech_service"]}

    form = PickerForm(QueryDict("region=朝阳区"))
    assert not form.is_valid()
    assert "对应多个" in form.errors["region"][0]


def test_widget_rejects_unknown_schemes_and_passes_restrictions_to_the_picker():
    with pytest.raises(ValueError):
        TermPickerWidget("nope")
    widget = TermPickerWidget("region", levels=[2, 3], within="440000")
    assert widget.hx_vals("x") == (
        '{"scheme": "region", "limit": "10", "levels": "2,3", "within": "440000"}'
    )


def test_model_field_validates_and_uses_the_picker():
    field = TermCodeField("region", levels=[3], verbose_name="所在区县", blank=True)
    _name, path, args, kwargs = field.deconstruct()
    assert path == "jiangqiao.taxonomy.fields.TermCodeField"
    assert args == ["region"]
    assert kwargs == {"levels": [3], "verbose_name": "所在区县", "blank": True}
    form_field = field.formfield()
    assert isinstance(form_field, TermChoiceField)
    assert isinstance(form_field.widget, TermPickerWidget)
    assert form_field.clean("深圳市 南山区") == "440305"
    field.run_validators("440305")
    with pytest.raises(ValidationError):
        field.run_validators("440300")


def test_search_results_use_display_labels():
    shenzhen = term_search(scheme="region", q="440300")[0]
    assert shenzhen.display_label == "广东省 / 深圳市"
    assert term_search(scheme="industry", q="3461")[0].display_label == "3461 烘炉、熔炉及电炉制造"
    assert term_search(scheme="skill_level", q="technician")[0].display_label == "二级/技师"


def test_code_list_pickers_open_on_focus_with_every_entry():
    widget = TermPickerWidget("honour")
    context = widget.get_context("honour", None, {"id": "id_honour"})["widget"]
    assert context["hx_trigger"].endswith(", focus")
    assert '"limit": "50"' in context["hx_vals"]
    region = TermPickerWidget("region").get_context("r", None, {})["widget"]
    assert "focus" not in region["hx_trigger"]
