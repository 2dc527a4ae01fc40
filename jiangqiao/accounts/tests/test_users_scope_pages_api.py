from __future__ import annotations

from itertools import count
from typing import Any

from django.urls import reverse

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


def test_security_admin_assigns_roles_on_its_own_page_and_system_admin_cannot(client, world):
    from jiangqiao.accounts.models import Role
    from jiangqiao.core.testing.personas import make_user

    staff_role = Role.objects.get(code="union_staff")
    secadmin = make_user("sec", world.province, Role.objects.get(code="security_admin"))
    sysadmin = make_user("sys", world.province, Role.objects.get(code="system_admin"))
    target = make_user("newbie", world.county_a1)
    url = reverse("accounts:user_roles", args=[target.pk])
    client.force_login(secadmin)
    detail = client.get(reverse("accounts:user_detail", args=[target.pk])).content.decode()
    assert url in detail
    assert client.get(url).status_code == 200
    response = client.post(url, {"roles": [staff_role.pk]})
    assert response.status_code == 302
    assert list(target.roles.values_list("code", flat=True)) == ["union_staff"]
    # Nobody changes their own roles (the page is refused), and the 三员 cannot be combined.
    own = client.post(
        reverse("accounts:user_roles", args=[secadmin.pk]), {"roles": [staff_role.pk]}
    )
    assert own.status_code == 403
    assert list(secadmin.roles.values_list("code", flat=True)) == ["security_admin"]
    both = client.post(
        url,
        {
            "roles": [
                Role.objects.get(code="system_admin").pk,
                Role.objects.get(code="audit_admin").pk,
            ]
        },
    )
    assert both.status_code == 400 and "三员分立" in both.content.decode()
    client.force_login(sysadmin)
    assert client.get(url).status_code == 403
