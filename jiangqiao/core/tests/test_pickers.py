"""The object pickers: references are chosen by name, and the search never leaves the scope."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from jiangqiao.core.pickers import PICKERS, ObjectChoiceField, ObjectMultipleChoiceField
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user, no_perm_role
from jiangqiao.demands.tests.factories import make_demand, make_enterprise
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.tests.helpers import make_craftsman


class PickerScopeTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.mine = make_craftsman(w.county_a1, w.city_admin_a, name="张深圳")
        cls.theirs = make_craftsman(w.county_b1, w.city_admin_b, name="张广州")
        cls.ent_mine = make_enterprise(w.county_a1, w.city_admin_a, name="深圳精工机械有限公司")
        cls.ent_theirs = make_enterprise(w.county_b1, w.city_admin_b, name="广州精工机械有限公司")
        cls.demand_theirs = make_demand(cls.ent_theirs, w.city_admin_b, title="精工主轴维修")

    def search(self, kind: str, q: str, **extra: str) -> str:
        response = self.client.get(reverse("core:picker"), {"kind": kind, "q": q, **extra})
        self.assertIn(response.status_code, (200, 400, 403))
        return response.content.decode()

    def test_out_of_scope_names_are_never_returned(self) -> None:
        self.login(self.world.city_admin_a)
        html = self.search("craftsman", "张")
        self.assertIn("张深圳", html)
        self.assertIn(f'data-code="{self.mine.pk}"', html)
        self.assertNotIn("张广州", html)
        self.assertNotIn(f'data-code="{self.theirs.pk}"', html)
        html = self.search("enterprise", "精工")
        self.assertIn("深圳精工", html)
        self.assertNotIn("广州精工", html)
        self.assertNotIn("精工主轴维修", self.search("demand", "精工"))

    def test_every_kind_goes_through_the_scope(self) -> None:
        # A user with the widest scope but no view permission gets nothing of any kind.
        stranger = make_user("stranger", self.world.province, no_perm_role())
        self.login(stranger)
        for key in PICKERS:
            html = self.search(key, "张")
            self.assertNotIn("data-term-pick", html, key)
            self.assertNotIn("张深圳", html, key)

    def test_a_limit_that_is_not_ascii_digits_falls_back_to_the_default(self) -> None:
        self.login(self.world.city_admin_a)
        for bad in ("²", "١٢", "x"):
            with self.subTest(limit=bad):
                self.assertIn("张深圳", self.search("craftsman", "张", limit=bad))

    def test_anonymous_and_unknown_kind(self) -> None:
        response = self.client.get(reverse("core:picker"), {"kind": "craftsman", "q": "张"})
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("张深圳", response.content.decode())
        self.login(self.world.city_admin_a)
        response = self.client.get(reverse("core:picker"), {"kind": "nope", "q": "张"})
        self.assertEqual(response.status_code, 400)
        response = self.client.get(reverse("core:picker"), {"kind": "craftsman", "q": "张" * 51})
        self.assertEqual(response.status_code, 400)

    def test_org_tree_opens_on_focus_within_scope(self) -> None:
        self.login(self.world.city_admin_a)
        html = self.search("organization", "")
        self.assertIn("深圳市总工会", html)
        self.assertIn("南山区总工会", html)
        self.assertNotIn("广州市总工会", html)
        self.assertNotIn("广东省总工会", html)

    def test_field_does_not_name_an_out_of_scope_id(self) -> None:
        field = ObjectChoiceField(
            "craftsman",
            label="劳模工匠",
            queryset=Craftsman.objects.visible_to(self.world.city_admin_a),
        )
        html = field.widget.render("craftsman", str(self.theirs.pk))
        self.assertNotIn("张广州", html)
        html = field.widget.render("craftsman", str(self.mine.pk))
        self.assertIn("张深圳", html)
        self.assertNotIn('type="number"', html)
        with self.assertRaises(ValidationError) as raised:
            field.clean(str(self.theirs.pk))
        self.assertNotIn("张广州", str(raised.exception))

    def test_a_key_that_is_not_ascii_digits_is_refused_not_a_server_error(self) -> None:
        qs = Craftsman.objects.visible_to(self.world.city_admin_a)
        field = ObjectChoiceField("craftsman", label="劳模工匠", queryset=qs)
        many = ObjectMultipleChoiceField("craftsman", label="劳模工匠", queryset=qs)
        for bad in ("²", "١٢", "9" * 30):
            with self.subTest(value=bad):
                with self.assertRaises(ValidationError):
                    field.clean(bad)
                with self.assertRaises(ValidationError):
                    many.clean([bad])
                # The form is shown again with the value as typed, never a 500.
                html = field.widget.render("craftsman", bad)
                self.assertIn(bad, html)
                self.assertNotIn("张深圳", html)

    def test_typed_name_resolves_within_scope(self) -> None:
        qs = Craftsman.objects.visible_to(self.world.city_admin_a)
        field = ObjectChoiceField("craftsman", label="劳模工匠", queryset=qs)
        self.assertEqual(field.clean("张深圳"), self.mine)
        with self.assertRaises(ValidationError):
            field.clean("张广州")
        many = ObjectMultipleChoiceField("craftsman", label="劳模工匠", queryset=qs)
        self.assertEqual(list(many.clean([str(self.mine.pk), "张深圳"])), [self.mine])
