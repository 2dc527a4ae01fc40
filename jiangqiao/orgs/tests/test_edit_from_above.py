"""Units are edited only from the level above (issue 12, item 8.3).

A user may change a unit's name, region code, level, parent or status only when the unit lies
strictly below his own unit (and inside his data scope); never his own unit, nor one above or
beside it. A 全部数据 role (a province-level system administrator) edits every unit, the root
included; the root has no unit above it, so nobody else — only a superuser or a 全部数据 holder of
the organisation permissions — may edit it. Viewing is unchanged (the scope-matrix tests).

The expected sets are written out from the tree, not computed by the code under test.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from rest_framework.test import APIClient

from jiangqiao.accounts.models import Role, User
from jiangqiao.core.choices import DataScope, Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.scope import ScopeViolation
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import make_user, scope_role
from jiangqiao.orgs import services
from jiangqiao.orgs.models import Organization

ALL_UNITS = [
    "province",
    "city_a",
    "city_b",
    "county_a1",
    "county_a2",
    "county_b1",
    "grassroots_a1",
]
# user → the units he may edit (strictly below his own unit, within his data scope)
EDITABLE = {
    "province_admin": ["city_a", "city_b", "county_a1", "county_a2", "county_b1", "grassroots_a1"],
    "city_admin_a": ["county_a1", "county_a2", "grassroots_a1"],
    "city_admin_b": ["county_b1"],
    "county_admin_a1": ["grassroots_a1"],  # 本级及下级 at 南山区
    "county_operator": [],  # 仅本级 at 南山区: sees only 南山区 itself, which 深圳 edits
    "grassroots_clerk": [],
    "auditor": [],  # no organisation permission at all
    "superuser": ALL_UNITS,
    "system_admin": ALL_UNITS,  # the built-in 系统管理员 (全部数据) at the province
    "all_scope_at_city": ALL_UNITS,  # a 全部数据 role, even though his unit is a city
}
NEW_REGION = "440304"  # 福田区: a valid GB/T 2260 code that no world unit has


class _Rollback(Exception):
    pass


class OrgEditMatrixTests(WorldTestCase):
    users: ClassVar[dict[str, User]]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        cls.users = {
            name: getattr(w, name)
            for name in (
                "province_admin",
                "city_admin_a",
                "city_admin_b",
                "county_operator",
                "grassroots_clerk",
                "auditor",
                "superuser",
            )
        }
        cls.users["county_admin_a1"] = make_user(
            "county_admin_a1", w.county_a1, scope_role(DataScope.ORG_AND_BELOW)
        )
        cls.users["system_admin"] = make_user(
            "sys_admin_p", w.province, Role.objects.get(code="system_admin")
        )
        cls.users["all_scope_at_city"] = make_user(
            "all_scope_a", w.city_a, scope_role(DataScope.ALL)
        )

    def unit(self, name: str) -> Organization:
        return Organization.objects.get(pk=getattr(self.world, name).pk)

    def attempt(self, call: Any) -> bool:
        """Run a service call in a savepoint that is rolled back; True unless refused by scope."""
        try:
            with transaction.atomic():
                call()
                raise _Rollback
        except _Rollback:
            return True
        except BusinessError:
            return True  # allowed to try; a business rule (e.g. enabled children) said no
        except ScopeViolation:
            return False

    def test_the_matrix_covers_every_world_user_and_unit(self) -> None:
        self.assertEqual(set(EDITABLE), set(self.users))

    def test_service_update_matrix(self) -> None:
        for user_name, user in self.users.items():
            for unit_name in ALL_UNITS:
                with self.subTest(user=user_name, unit=unit_name):
                    org = self.unit(unit_name)
                    allowed = self.attempt(
                        lambda org=org, user=user: services.org_update(
                            actor=user, org=org, data={"region_code": NEW_REGION}
                        )
                    )
                    self.assertEqual(allowed, unit_name in EDITABLE[user_name])

    def test_service_status_matrix(self) -> None:
        for user_name, user in self.users.items():
            for unit_name in ALL_UNITS:
                with self.subTest(user=user_name, unit=unit_name):
                    org = self.unit(unit_name)
                    allowed = self.attempt(
                        lambda org=org, user=user: services.org_set_status(
                            actor=user, org=org, status=Status.DISABLED
                        )
                    )
                    self.assertEqual(allowed, unit_name in EDITABLE[user_name])

    def test_service_move_matrix(self) -> None:
        # A move under the unit's own parent: only the right to edit the unit is in question.
        for user_name, user in self.users.items():
            for unit_name in ALL_UNITS[1:]:  # the root has no parent to move under
                with self.subTest(user=user_name, unit=unit_name):
                    org = self.unit(unit_name)
                    assert org.parent is not None
                    allowed = self.attempt(
                        lambda org=org, user=user: services.org_move(
                            actor=user, org=org, new_parent=org.parent
                        )
                    )
                    self.assertEqual(allowed, unit_name in EDITABLE[user_name])

    def test_api_patch_matrix(self) -> None:
        for user_name, user in self.users.items():
            client = APIClient()
            client.force_authenticate(user)
            for unit_name in ALL_UNITS:
                with self.subTest(user=user_name, unit=unit_name):
                    org = self.unit(unit_name)
                    url = f"/api/v1/orgs/organizations/{org.pk}/"
                    with transaction.atomic():
                        response = client.patch(url, {"region_code": NEW_REGION}, format="json")
                        changed = self.unit(unit_name).region_code == NEW_REGION
                        transaction.set_rollback(True)
                    if unit_name in EDITABLE[user_name]:
                        self.assertEqual(response.status_code, 200, response.content)
                        self.assertTrue(changed)
                    else:
                        self.assertIn(response.status_code, (403, 404), response.content)
                        self.assertFalse(changed)

    def test_page_edit_matrix(self) -> None:
        for user_name, user in self.users.items():
            self.client.force_login(user)
            for unit_name in ALL_UNITS:
                with self.subTest(user=user_name, unit=unit_name):
                    org = self.unit(unit_name)
                    edit = self.client.get(f"/orgs/{org.pk}/edit/")
                    move = self.client.get(f"/orgs/{org.pk}/move/")
                    if unit_name in EDITABLE[user_name]:
                        self.assertEqual(edit.status_code, 200)
                    else:
                        self.assertIn(edit.status_code, (403, 404))
                        self.assertIn(move.status_code, (403, 404))

    def test_county_clerk_cannot_recode_his_own_unit(self) -> None:
        """The probe's step: PATCH /api/v1/orgs/organizations/<own>/ region_code=…"""
        own = self.world.county_a1
        for user in (self.world.county_operator, self.users["county_admin_a1"]):
            client = APIClient()
            client.force_authenticate(user)
            response = client.patch(
                f"/api/v1/orgs/organizations/{own.pk}/", {"region_code": NEW_REGION}, format="json"
            )
            self.assertEqual(response.status_code, 403, response.content)
            self.assertIn("上级", response.json()["detail"])
            self.assertEqual(self.unit("county_a1").region_code, "440305")
            # viewing is unchanged
            self.assertEqual(client.get(f"/api/v1/orgs/organizations/{own.pk}/").status_code, 200)

    def test_page_post_on_own_unit_changes_nothing(self) -> None:
        self.client.force_login(self.world.city_admin_a)
        own = self.world.city_a
        response = self.client.post(
            f"/orgs/{own.pk}/edit/", {"name": "改名", "region_code": NEW_REGION, "sort": 0}
        )
        self.assertIn(response.status_code, (400, 403))
        response = self.client.post(f"/orgs/{own.pk}/status/", {"status": "disabled"})
        fresh = self.unit("city_a")
        self.assertEqual(
            (fresh.name, fresh.region_code, fresh.status), ("深圳市总工会", "440300", "active")
        )

    def test_detail_page_offers_edit_buttons_only_on_editable_units(self) -> None:
        self.client.force_login(self.world.city_admin_a)
        own = self.client.get(self.world.city_a.get_absolute_url()).content.decode()
        below = self.client.get(self.world.county_a1.get_absolute_url()).content.decode()
        self.assertFalse(f"/orgs/{self.world.city_a.pk}/edit/" in own, "edit button on own unit")
        self.assertFalse(f"/orgs/{self.world.city_a.pk}/move/" in own, "move button on own unit")
        self.assertTrue(f"/orgs/{self.world.county_a1.pk}/edit/" in below, "no edit button below")
