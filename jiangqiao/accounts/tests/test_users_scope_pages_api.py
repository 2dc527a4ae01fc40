from __future__ import annotations

from itertools import count
from typing import Any

from jiangqiao.accounts.models import User
from jiangqiao.core.testing.cases import CrudApiTests, CrudPageTests, DataScopeMatrixTests
from jiangqiao.core.testing.personas import make_user

_n = count(1)


def _user(unit: Any, owner: Any) -> User:
    user = make_user(f"staff{next(_n)}", unit)
    User.objects.filter(pk=user.pk).update(created_by=owner)
    return user


class TestUserScope(DataScopeMatrixTests):
    __test__ = True
    model = User
    owner_scoped = False  # 仅本人 on users means “my own account”, checked below

    def make_row(self, unit: Any, owner: Any) -> User:
        return _user(unit, owner)

    def test_self_scope_sees_own_account(self) -> None:
        clerk = self.world.grassroots_clerk
        visible = set(User.objects.visible_to(clerk).values_list("pk", flat=True))
        self.assertEqual(visible, {clerk.pk})


class TestUserPages(CrudPageTests):
    __test__ = True
    model = User
    url_prefix = "accounts:user"

    def make_row(self, unit: Any, owner: Any) -> User:
        return _user(unit, owner)

    def form_data(self, unit: Any) -> dict[str, Any]:
        return {"username": f"new_{unit.pk}", "real_name": "新用户", "org": unit.pk}

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"username": data["username"]}

    def test_created_user_must_change_initial_password(self) -> None:
        self.login(self.world.city_admin_a)
        self.client.post(self.url("create"), self.form_data(self.world.county_a1))
        user = User.objects.get(username=f"new_{self.world.county_a1.pk}")
        self.assertTrue(user.must_change_password)
        self.assertTrue(
            user.password.startswith("md5$")
        )  # hashed (MD5 only in tests; Argon2 in prod)


class TestUserApi(CrudApiTests):
    __test__ = True
    model = User
    api_url = "/api/v1/accounts/users/"

    def make_row(self, unit: Any, owner: Any) -> User:
        return _user(unit, owner)

    def create_data(self, unit: Any) -> dict[str, Any]:
        return {"username": f"api_{unit.pk}", "real_name": "接口用户", "org": unit.pk}

    def created_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"username": data["username"]}

    def test_create_returns_initial_password_once(self) -> None:
        response = self.api(self.world.city_admin_a).post(
            self.api_url, self.create_data(self.world.county_a1), format="json"
        )
        self.assertEqual(response.status_code, 201)
        initial = response.json()["initial_password"]
        user = User.objects.get(username=f"api_{self.world.county_a1.pk}")
        self.assertTrue(user.check_password(initial))
        detail = self.api(self.world.city_admin_a).get(f"{self.api_url}{user.pk}/").json()
        self.assertNotIn("initial_password", detail)
        self.assertNotIn("password", detail)
