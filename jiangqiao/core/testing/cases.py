"""Generic test classes. A model's test supplies data; the class tests the behaviour.

* ``DataScopeMatrixTests`` — for each persona, the rows ``visible_to`` returns equal the rows the
  data-scope rules say it should see (outsider sees nothing of another city, an upper unit sees a
  lower one, a lower unit does not see an upper one, 仅本级 sees its own unit only, 仅本人 sees only
  the rows it created). Expected sets are written out from the tree, not computed by the code
  under test.
* ``CrudPageTests`` — list/detail/create/edit pages: anonymous → login, no permission → 403,
  out of scope → 404, in scope → 200, a create writes the row and a change-log row, an
  out-of-scope create saves nothing.
* ``CrudApiTests`` — the same over ``/api/v1/...``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts.models import Role, User
from jiangqiao.core.models import ChangeLog

from .personas import PASSWORD, World, build_world, make_user, no_perm_role, scope_role

# Which units' rows each persona sees under its data scope (names of World attributes).
SUBTREE = {
    "province": [
        "province",
        "city_a",
        "city_b",
        "county_a1",
        "county_a2",
        "county_b1",
        "grassroots_a1",
    ],
    "city_a": ["city_a", "county_a1", "county_a2", "grassroots_a1"],
    "city_b": ["city_b", "county_b1"],
}
EXPECTED_UNITS = {
    "province_admin": SUBTREE["province"],
    "city_admin_a": SUBTREE["city_a"],
    "city_admin_b": SUBTREE["city_b"],
    "county_operator": ["county_a1"],
}
ROW_OWNERS = {  # unit → who created the row placed there
    "province": "province_admin",
    "city_a": "city_admin_a",
    "city_b": "city_admin_b",
    "county_a1": "county_operator",
    "county_a2": "city_admin_a",
    "county_b1": "city_admin_b",
    "grassroots_a1": "grassroots_clerk",
}


class WorldTestCase(TestCase):
    world: ClassVar[World]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def login(self, user: User) -> None:
        self.client.force_login(user)

    def temporary_dir_setting(self, name: str) -> str:
        """Point the directory setting ``name`` (``MEDIA_ROOT``, ``JIANGQIAO_PRIVATE_ROOT``) at a
        fresh temporary directory for this test; returns its path (removed after the test)."""
        import tempfile

        from django.test import override_settings

        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        changed = override_settings(**{name: tmp.name})
        changed.enable()
        self.addCleanup(changed.disable)
        return tmp.name


class DataScopeMatrixTests(WorldTestCase):
    """Subclasses set ``model`` and implement ``make_row(unit, owner) -> instance``.

    ``row_unit_attr`` explains where a row sits: the default places one row in each unit of the
    world, created by the unit's usual user. Set ``owner_scoped = False`` for models without an
    owner field (仅本人 then sees nothing).
    """

    model: ClassVar[type[models.Model]]
    owner_scoped: ClassVar[bool] = True
    __test__ = False

    def make_row(self, unit: Any, owner: User) -> models.Model:
        raise AssertionError("subclasses implement make_row")

    rows: ClassVar[dict[str, models.Model]]

    @classmethod
    def setUpTestData(cls) -> None:
        # Once per class, not per test: each test still runs in its own rolled-back transaction
        # and gets its own copies of the rows (TestCase's class-level test data), so what one test
        # does to them no other test sees; only the inserts are not repeated for every test.
        super().setUpTestData()
        maker = cls("runTest")  # make_row is an instance method; it reads only ``self.world``
        cls.rows = {
            unit_name: maker.make_row(getattr(cls.world, unit_name), getattr(cls.world, owner_name))
            for unit_name, owner_name in ROW_OWNERS.items()
        }

    def visible(self, user: User, action: str = "view") -> set[Any]:
        ids = {r.pk for r in self.rows.values()}
        qs = self.model._default_manager.visible_to(user, action)  # type: ignore[attr-defined]
        return set(qs.filter(pk__in=ids).values_list("pk", flat=True))

    def expected(self, units: list[str]) -> set[Any]:
        return {self.rows[u].pk for u in units}

    def test_upper_units_see_lower_units_and_siblings_do_not_see_each_other(self) -> None:
        for persona, units in EXPECTED_UNITS.items():
            with self.subTest(persona=persona):
                self.assertEqual(self.visible(getattr(self.world, persona)), self.expected(units))

    def test_lower_unit_does_not_see_upper_unit(self) -> None:
        seen = self.visible(self.world.county_operator)
        self.assertNotIn(self.rows["city_a"].pk, seen)
        self.assertNotIn(self.rows["province"].pk, seen)

    def test_self_scope_sees_only_own_rows(self) -> None:
        expected = self.expected(["grassroots_a1"]) if self.owner_scoped else set()
        self.assertEqual(self.visible(self.world.grassroots_clerk), expected)

    def test_superuser_sees_everything(self) -> None:
        self.assertEqual(self.visible(self.world.superuser), self.expected(list(ROW_OWNERS)))

    def test_user_without_permission_sees_nothing(self) -> None:
        role = no_perm_role()
        user = make_user("perm_less", self.world.province, role)
        self.assertEqual(self.visible(user), set())

    def test_several_roles_are_ored(self) -> None:
        user = self.world.county_operator
        extra = scope_role("custom")
        extra.custom_orgs.set([self.world.county_b1])
        user.roles.add(extra)
        user.clear_role_cache()
        self.assertEqual(self.visible(user), self.expected(["county_a1", "county_b1"]))

    def test_disabled_role_grants_nothing(self) -> None:
        role = scope_role("org_and_below")
        Role.objects.filter(pk=role.pk).update(status="disabled")
        user = User.objects.get(pk=self.world.city_admin_a.pk)
        self.assertEqual(self.visible(user), set())


class CrudPageTests(WorldTestCase):
    """Subclasses set ``model``, ``url_prefix`` (e.g. ``"orgs:organization"``), implement
    ``make_row(unit, owner)`` and ``form_data(parent_unit) -> dict`` (a valid create form for a
    row owned at/below ``parent_unit``), and ``created_filter(data) -> dict`` to find the new row.
    """

    model: ClassVar[type[models.Model]]
    url_prefix: ClassVar[str]
    has_create_page: ClassVar[bool] = True
    __test__ = False

    def make_row(self, unit: Any, owner: User) -> models.Model:
        raise AssertionError("subclasses implement make_row")

    def form_data(self, unit: Any) -> dict[str, Any]:
        raise AssertionError("subclasses implement form_data")

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("subclasses implement created_filter")

    def url(self, action: str, *args: Any) -> str:
        return reverse(f"{self.url_prefix}_{action}", args=args)

    def test_anonymous_is_sent_to_login(self) -> None:
        response = self.client.get(self.url("list"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_user_without_permission_gets_403(self) -> None:
        user = make_user("no_perm_page", self.world.province, no_perm_role())
        self.login(user)
        self.assertEqual(self.client.get(self.url("list")).status_code, 403)

    def test_list_shows_rows_in_scope_only(self) -> None:
        mine = self.make_row(self.world.county_a1, self.world.city_admin_a)
        other = self.make_row(self.world.county_b1, self.world.city_admin_b)
        self.login(self.world.city_admin_a)
        response = self.client.get(self.url("list"), {"per_page": 200})
        self.assertEqual(response.status_code, 200)
        content = response.content.decode()
        self.assertIn(str(mine), content)
        self.assertNotIn(str(other), content)

    def test_list_htmx_returns_the_table_partial(self) -> None:
        self.login(self.world.city_admin_a)
        response = self.client.get(self.url("list"), headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("<html", response.content.decode())

    def test_detail_in_scope_200_out_of_scope_404(self) -> None:
        mine = self.make_row(self.world.county_a1, self.world.city_admin_a)
        other = self.make_row(self.world.county_b1, self.world.city_admin_b)
        self.login(self.world.city_admin_a)
        self.assertEqual(self.client.get(self.url("detail", mine.pk)).status_code, 200)
        self.assertEqual(self.client.get(self.url("detail", other.pk)).status_code, 404)
        history = self.client.get(self.url("detail", mine.pk), {"tab": "changelog"})
        self.assertEqual(history.status_code, 200)

    def test_edit_page_out_of_scope_404(self) -> None:
        other = self.make_row(self.world.county_b1, self.world.city_admin_b)
        self.login(self.world.city_admin_a)
        self.assertEqual(self.client.get(self.url("edit", other.pk)).status_code, 404)
        self.assertEqual(self.client.post(self.url("edit", other.pk), {}).status_code, 404)

    def test_create_in_scope_writes_row_and_change_log(self) -> None:
        if not self.has_create_page:
            return
        self.login(self.world.city_admin_a)
        data = self.form_data(self.world.county_a1)
        response = self.client.post(self.url("create"), data)
        self.assertEqual(
            response.status_code,
            302,
            getattr(response, "context", None)
            and response.context.get("form")
            and response.context["form"].errors,
        )
        obj = self.model._default_manager.get(**self.created_filter(data))
        self.assertTrue(
            ChangeLog.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model),
                object_id=str(obj.pk),
                action="create",
                user=self.world.city_admin_a,
            ).exists()
        )

    def test_create_out_of_scope_saves_nothing(self) -> None:
        if not self.has_create_page:
            return
        self.login(self.world.city_admin_a)
        data = self.form_data(self.world.county_b1)
        before = self.model._default_manager.count()
        response = self.client.post(self.url("create"), data)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.model._default_manager.count(), before)


class CrudApiTests(WorldTestCase):
    """Subclasses set ``model``, ``api_url`` (list URL), implement ``make_row`` and, when the API
    accepts writes, ``create_data(unit)`` and ``created_filter(data)``."""

    model: ClassVar[type[models.Model]]
    api_url: ClassVar[str]
    writable: ClassVar[bool] = True
    __test__ = False

    def make_row(self, unit: Any, owner: User) -> models.Model:
        raise AssertionError("subclasses implement make_row")

    def create_data(self, unit: Any) -> dict[str, Any]:
        raise AssertionError("subclasses implement create_data")

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("subclasses implement created_filter")

    def api(self, user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    def test_anonymous_gets_401_or_403(self) -> None:
        self.assertIn(self.api(None).get(self.api_url).status_code, (401, 403))

    def test_no_permission_gets_403(self) -> None:
        user = make_user("no_perm_api", self.world.province, no_perm_role())
        self.assertEqual(self.api(user).get(self.api_url).status_code, 403)

    def test_list_and_detail_respect_scope(self) -> None:
        mine = self.make_row(self.world.county_a1, self.world.city_admin_a)
        other = self.make_row(self.world.county_b1, self.world.city_admin_b)
        client = self.api(self.world.city_admin_a)
        response = client.get(self.api_url, {"page_size": 200})
        self.assertEqual(response.status_code, 200)
        ids = {row["id"] for row in response.json()["results"]}
        self.assertIn(mine.pk, ids)
        self.assertNotIn(other.pk, ids)
        self.assertEqual(client.get(f"{self.api_url}{mine.pk}/").status_code, 200)
        self.assertEqual(client.get(f"{self.api_url}{other.pk}/").status_code, 404)

    def test_brief_mode(self) -> None:
        self.make_row(self.world.county_a1, self.world.city_admin_a)
        response = self.api(self.world.city_admin_a).get(self.api_url, {"brief": "1"})
        self.assertEqual(response.status_code, 200)
        first = response.json()["results"][0]
        self.assertIn("id", first)
        self.assertLessEqual(len(first), 6)

    def test_create_in_scope_and_out_of_scope(self) -> None:
        if not self.writable:
            response = self.api(self.world.city_admin_a).post(self.api_url, {}, format="json")
            self.assertEqual(response.status_code, 405)
            return
        client = self.api(self.world.city_admin_a)
        data = self.create_data(self.world.county_a1)
        response = client.post(self.api_url, data, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertTrue(self.model._default_manager.filter(**self.created_filter(data)).exists())
        before = self.model._default_manager.count()
        bad = self.create_data(self.world.county_b1)
        response = client.post(self.api_url, bad, format="json")
        self.assertIn(response.status_code, (400, 403), response.content)
        self.assertEqual(self.model._default_manager.count(), before)

    def test_bad_input_is_400_never_500(self) -> None:
        if not self.writable:
            return
        client = self.api(self.world.city_admin_a)
        for payload in ({}, {"id": "x" * 5000}, {"name": None}, [1, 2, 3]):
            response = client.post(self.api_url, payload, format="json")
            self.assertEqual(response.status_code, 400, (payload, response.content))


__all__ = ["PASSWORD", "CrudApiTests", "CrudPageTests", "DataScopeMatrixTests", "WorldTestCase"]
