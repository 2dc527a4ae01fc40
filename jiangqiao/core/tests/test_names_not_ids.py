"""Names, not ids: filters and forms pick references by name, the change log names its objects,
操作人 is the real name with the login on hover."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import django_filters as filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse

from jiangqiao.core.audit_names import OUT_OF_SCOPE
from jiangqiao.core.models import ChangeLog, OperationLog
from jiangqiao.core.people import operator_html
from jiangqiao.core.pickers import ObjectPickerWidget
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.tests.helpers import make_craftsman

FILTERSET_MODULES = [
    "jiangqiao.core.filtersets",
    "jiangqiao.orgs.filtersets",
    "jiangqiao.accounts.filtersets",
    "jiangqiao.talents.filtersets",
    "jiangqiao.demands.filtersets",
    "jiangqiao.matching.filtersets",
    "jiangqiao.casework.filtersets",
    "jiangqiao.casework.filtersets_claims",
    "jiangqiao.casework.session_pages",
    "jiangqiao.exchange.filtersets",
]


def _form_modules() -> list[str]:
    """Every module of jiangqiao that defines forms (forms*.py, page views with their own)."""
    import jiangqiao

    names = []
    for info in pkgutil.walk_packages(jiangqiao.__path__, "jiangqiao."):
        parts = info.name.split(".")
        if "tests" in parts or "migrations" in parts or "testing" in parts:
            continue
        names.append(info.name)
    found = []
    for name in names:
        module = importlib.import_module(name)
        if any(
            isinstance(v, type) and issubclass(v, forms.BaseForm) and v.__module__ == name
            for v in vars(module).values()
        ):
            found.append(name)
    return found


#: A field with one of these names (or ending in ``_id``) refers to a row.
REFERENCE_NAMES = re.compile(
    r"^(org|parent|new_parent|target_org|craftsman|craftsmen|team|enterprise|demand|match|"
    r"suggestion|role|roles|user|member|offer)$|_id$"
)
#: References deliberately kept as a select of names, with the reason.
SELECT_EXCEPTIONS = {
    ("ChangeLogFilterSet", "content_type"): "对象类型: a short list of type names, not rows",
    ("ServiceRecordForm", "participants"): "the two to ten members of the chosen team, ticked",
    ("ClaimForm", "team"): "认领身份: the one or two teams the claimant leads, as named options",
    ("TransferForm", "org"): "any active unit may receive a transfer, not only the sender's scope",
    ("UserForm", "roles"): "a handful of roles, shown as named checkboxes",
    ("UserRolesForm", "roles"): "a handful of roles, shown as named checkboxes",
    ("RoleForm", "permissions"): "the grouped permission editor",
    ("DemandSubmitForm", "enterprise"): "an enterprise contact's own one or two enterprises",
    ("OrderPlaceForm", "enterprise"): "an enterprise contact's own one or two enterprises",
    ("OrderPlaceForm", "academy"): "the few academies open for orders, named, on a phone",
    ("UpgradeForm", "lecturer"): "the class's own few lecturers, as named options",
    ("DemandMergeForm", "survivor"): "the same enterprise's few other open demands, named, ticked",
}
# A row's key asked by its label ("劳模工匠ID", "企业编号"); certificate and request numbers are
# real-world numbers, not database keys.
ID_LABEL = re.compile(r"(?<![A-Za-z])ID|(工匠|企业|需求|成员|角色|对象|匹配|组织|档案)编号")


def _classes(modules: list[str], base: type) -> list[type]:
    found = []
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, base) and value.__module__ == name:
                found.append(value)
    return found


class NoIdInputTests(WorldTestCase):
    def test_no_filter_asks_for_an_id(self) -> None:
        request = RequestFactory().get("/")
        request.user = self.world.city_admin_a
        checked = 0
        for cls in _classes(FILTERSET_MODULES, filters.FilterSet):
            if cls._meta.model is None:
                continue  # a base of shared filters (EnterpriseBreakdownFilterSet): its subclasses
            for name, field in cls(request=request, queryset=None).form.fields.items():
                if isinstance(field.widget, forms.HiddenInput):
                    continue
                checked += 1
                with self.subTest(filterset=cls.__name__, field=name):
                    self.assertIsNone(ID_LABEL.search(str(field.label or "")), field.label)
                    reference = name.endswith("_id") and name != "request_id"  # a trace UUID
                    picker = reference or isinstance(field, forms.ModelChoiceField)
                    if picker and (cls.__name__, name) not in SELECT_EXCEPTIONS:
                        self.assertIsInstance(field.widget, ObjectPickerWidget)
                    if reference:
                        self.assertNotIsInstance(field.widget, forms.NumberInput)
        self.assertGreater(checked, 20)

    def test_no_form_takes_a_reference_by_id(self) -> None:
        modules = _form_modules()
        self.assertIn("jiangqiao.orgs.forms", modules)
        self.assertIn("jiangqiao.casework.forms_claims", modules)
        checked = 0
        for cls in _classes(modules, forms.BaseForm):
            for name, field in cls.base_fields.items():
                with self.subTest(form=cls.__name__, field=name):
                    self.assertIsNone(ID_LABEL.search(str(field.label or "")), field.label)
                    if isinstance(field.widget, forms.HiddenInput):
                        continue  # a value of the page (a button's row), nobody types it
                    if (cls.__name__, name) in SELECT_EXCEPTIONS:
                        continue
                    reference = isinstance(field, forms.ModelChoiceField) or (
                        REFERENCE_NAMES.search(name) is not None
                        and isinstance(field, forms.IntegerField | forms.TypedChoiceField)
                    )
                    if reference:
                        checked += 1
                        self.assertIsInstance(field.widget, ObjectPickerWidget)
                    self.assertFalse(
                        REFERENCE_NAMES.search(name)
                        and isinstance(field.widget, forms.NumberInput),
                        "a reference asked as a number",
                    )
        self.assertGreater(checked, 15)

    def test_organisation_fields_are_pickers(self) -> None:
        """所属组织/组建单位/负责的工会组织/上级组织/新的上级组织/组织范围/导入到 (scoped)."""
        from jiangqiao.casework.forms_claims import AssignForm
        from jiangqiao.demands.forms import EnterpriseForm
        from jiangqiao.exchange.forms import ImportForm
        from jiangqiao.matching.forms import RunStartForm
        from jiangqiao.orgs.forms import OrganizationForm, OrganizationMoveForm
        from jiangqiao.talents.forms import CraftsmanForm, ServiceTeamForm

        w = self.world
        user = w.city_admin_a
        cases = [
            (CraftsmanForm(user=user), "org"),
            (ServiceTeamForm(user=user), "org"),
            (EnterpriseForm(user=user), "org"),
            (OrganizationForm(user=user), "parent"),
            (OrganizationMoveForm(user=user, org=w.county_a1), "new_parent"),
            (RunStartForm(user=user), "org"),
            (ImportForm(user=user), "target_org"),
        ]
        for form, name in cases:
            with self.subTest(form=type(form).__name__):
                field = form.fields[name]
                self.assertIsInstance(field.widget, ObjectPickerWidget)
                self.assertEqual(field.widget.kind, "organization")
                pks = set(field.queryset.values_list("pk", flat=True))
                self.assertNotIn(w.county_b1.pk, pks)  # another city's unit is no choice
                self.assertNotIn('type="number"', str(form[name]))
        # An out-of-scope unit posted by id is refused by the form itself.
        form = ServiceTeamForm({"org": w.county_b1.pk, "name": "x", "level": "city"}, user=user)
        self.assertFalse(form.is_valid())
        self.assertIn("org", form.errors)
        html = str(AssignForm(user=user))
        self.assertNotIn('type="number"', html)
        self.assertIn('data-kind="craftsman"', html)

    def test_manual_suggestion_panel_has_no_number_box(self) -> None:
        path = Path(__file__).parents[2] / "matching/templates/matching/_demand_panel.html"
        html = path.read_text(encoding="utf-8")
        self.assertNotIn('type="number"', html)
        self.assertNotIn("编号", html)


class OperatorTests(WorldTestCase):
    def test_real_name_with_login_on_hover(self) -> None:
        user = self.world.city_admin_a
        user.real_name = "李深圳"
        user.save()
        html = str(operator_html(user))
        self.assertIn("李深圳", html)
        self.assertIn('title="登录账号：city_admin_a"', html)
        entry = OperationLog(user=user, user_name="city_admin_a")
        self.assertIn("李深圳", str(operator_html(entry)))
        gone = OperationLog(user=None, user_name="old_login")
        self.assertIn("old_login", str(operator_html(gone)))
        self.assertEqual(operator_html(OperationLog(user=None, user_name="")), "系统")

    def test_logs_show_the_real_name(self) -> None:
        user = self.world.superuser
        user.real_name = "王超管"
        user.save()
        craftsman = make_craftsman(self.world.county_a1, user, name="赵工匠")
        self.login(user)
        html = self.client.get(reverse("core:changelog_list")).content.decode()
        self.assertIn("王超管", html)
        self.assertIn("登录账号：superuser", html)
        html = self.client.get(craftsman.get_absolute_url() + "?tab=changelog").content.decode()
        self.assertIn("王超管", html)


class ChangeLogNamesTests(WorldTestCase):
    def test_references_are_named_and_scoped(self) -> None:
        w = self.world
        craftsman = make_craftsman(w.county_a1, w.city_admin_a, name="钱工匠")
        ct = ContentType.objects.get_for_model(Craftsman)
        entry = ChangeLog.objects.create(
            user=w.city_admin_a,
            user_name="city_admin_a",
            action="update",
            content_type=ct,
            object_id=str(craftsman.pk),
            object_repr="841→2",
            org=w.county_a1,
            prechange_data={"org": w.county_b1.pk},
            postchange_data={"org": w.county_a1.pk},
        )
        self.login(w.superuser)
        html = self.client.get(reverse("core:changelog_detail", args=[entry.pk])).content.decode()
        self.assertIn("天河区总工会", html)
        self.assertIn("南山区总工会", html)
        self.assertIn(craftsman.get_absolute_url(), html)
        self.assertIn("钱工匠", html)
        self.assertNotIn("841→2", html)
        self.assertNotIn(f"ID {craftsman.pk}", html)
        # A user who may not see the old unit reads no name for it.
        self.login(w.city_admin_a)
        html = self.client.get(reverse("core:changelog_detail", args=[entry.pk])).content.decode()
        self.assertNotIn("天河区总工会", html)
        self.assertIn(OUT_OF_SCOPE, html)
        self.assertIn("南山区总工会", html)
        html = self.client.get(reverse("core:changelog_list")).content.decode()
        self.assertIn("钱工匠", html)
        self.assertNotIn("841→2", html)
