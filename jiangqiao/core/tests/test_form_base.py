"""Chinese messages everywhere (issue 14, point 6): every page form derives from the localised
base of ``core.forms``, hand-written forms included, and the API rewords DRF's defaults for an
action's own serializer too."""

from __future__ import annotations

import importlib
import pkgutil

from django import forms
from rest_framework.test import APIClient

from jiangqiao.core.forms import LocalizedFormMixin
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.talents.tests.helpers import make_craftsman

#: Form classes that may not derive from the localised base, with the reason.
EXCEPTIONS: dict[str, str] = {}


def _form_classes() -> list[type]:
    import jiangqiao

    found = []
    for info in pkgutil.walk_packages(jiangqiao.__path__, "jiangqiao."):
        parts = info.name.split(".")
        if {"tests", "migrations", "testing"} & set(parts):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == info.name
            ):
                found.append(value)
    return found


def test_every_page_form_is_localised() -> None:
    classes = _form_classes()
    assert len(classes) > 40
    missing = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in classes
        if not issubclass(cls, LocalizedFormMixin) and cls.__name__ not in EXCEPTIONS
    ]
    assert missing == []


def test_a_hand_written_form_names_its_fields() -> None:
    from jiangqiao.casework.forms import DeclineForm, FollowUpForm
    from jiangqiao.casework.forms_claims import ClaimForm, ReasonForm

    form = ReasonForm({"reason": "x" * 501})
    assert not form.is_valid()
    assert form.errors["reason"] == ["原因最多 500 个字（现有 501 个）"]
    assert ClaimForm({}).errors["note"] == ["请填写认领说明"]
    # A form's own wording is kept.
    assert DeclineForm({}).errors["reason"] == ["请选择婉拒原因"]
    assert FollowUpForm({}).errors["held"] == ["请选择问题是否复发"]
    html = str(ClaimForm()["note"])
    assert 'maxlength="500"' in html


class DrfActionMessagesTests(WorldTestCase):
    def test_action_serializer_messages_name_the_field(self) -> None:
        user = self.world.city_admin_a
        craftsman = make_craftsman(self.world.county_a1, user)
        api = APIClient()
        api.force_authenticate(user)
        base = f"/api/v1/talents/craftsmen/{craftsman.pk}"
        body = api.post(f"{base}/status/", {"status": "nope"}, format="json")
        self.assertEqual(body.status_code, 400, body.content)
        self.assertEqual(body.json()["status"], ["状态：所选的值不在可选范围内"])
        body = api.post(f"{base}/honours/", {"level": "national"}, format="json")
        self.assertEqual(body.status_code, 400, body.content)
        data = body.json()
        self.assertTrue(all("This field" not in m and "该字段" not in m for m in data["year"]))
        self.assertIn("年", data["year"][0])
