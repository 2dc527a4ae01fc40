"""Personal API tokens (issue 12 item 8): expiry, read-only, revocation, the password policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts import services
from jiangqiao.accounts.models import ApiToken, LoginLog, Role, User
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import Notification
from jiangqiao.core.testing.cases import DataScopeMatrixTests
from jiangqiao.core.testing.personas import make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/organizations/"


def _get(key, url=URL):
    return Client().get(url, HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_works_until_it_expires(world):
    _, key = services.token_issue(actor=world.city_admin_a, name="数据交换", days=30)
    assert _get(key).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = _get(key)
    assert response.status_code == 401
    assert "已过期" in response.json()["detail"]
    assert LoginLog.objects.filter(message__startswith="API 令牌已过期").exists()


def test_the_key_is_stored_as_a_digest_only(world):
    token, key = services.token_issue(actor=world.city_admin_a, name="脚本", days=1)
    stored = ApiToken.objects.filter(pk=token.pk).values_list("key_hash", "key_prefix").get()
    assert key not in stored[0] and stored[1] == key[:8]


def test_expiry_is_bounded(world, settings):
    settings.JIANGQIAO_API_TOKEN_MAX_DAYS = 90
    with pytest.raises(BusinessError, match="1 到 90 天") as exc:
        services.token_issue(actor=world.city_admin_a, name="永久", days=3650)
    assert exc.value.field == "days"


def test_the_password_policy_applies_to_token_users(world):
    _, key = services.token_issue(actor=world.city_admin_a, name="脚本", days=30)
    User.objects.filter(pk=world.city_admin_a.pk).update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    response = _get(key)
    assert response.status_code == 403
    assert "密码已超过 90 天未修改" in response.json()["detail"]
    User.objects.filter(pk=world.city_admin_a.pk).update(
        password_changed_at=timezone.now(), must_change_password=True
    )
    assert _get(key).status_code == 403


def test_a_read_only_token_cannot_write(world):
    _, key = services.token_issue(actor=world.city_admin_a, name="只读", days=30)
    response = Client().patch(
        f"{URL}{world.county_a1.pk}/",
        {"name": "改名"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 403 and "只读令牌" in response.json()["detail"]


def test_a_disabled_account_or_a_revoked_token_stops_working(world):
    token, key = services.token_issue(actor=world.city_admin_a, name="脚本", days=30)
    services.token_revoke(actor=world.city_admin_a, token=token)
    assert _get(key).status_code == 401
    _, key2 = services.token_issue(actor=world.city_admin_b, name="脚本", days=30)
    User.objects.filter(pk=world.city_admin_b.pk).update(is_active=False)
    assert _get(key2).status_code == 401


def test_a_password_reset_revokes_the_accounts_tokens(world):
    clerk = make_user("ns_clerk_t", world.county_a1, Role.objects.get(code="union_staff"))
    _, key = services.token_issue(actor=clerk, name="脚本", days=30)
    services.user_reset_password(actor=world.city_admin_a, user=clerk)
    assert _get(key).status_code == 401


def test_security_admin_sees_and_revokes_tokens_and_the_owner_is_told(client, world):
    token, key = services.token_issue(actor=world.county_operator, name="省级接口A", days=30)
    sec = make_user("sec_t", world.province, Role.objects.get(code="security_admin"))
    client.force_login(sec)
    page = client.get(reverse("accounts:token_all")).content.decode()
    assert "省级接口A" in page and key not in page
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert _get(key).status_code == 401
    assert Notification.objects.filter(
        recipient=world.county_operator, title="您的 API 令牌已被吊销"
    ).exists()


def test_nobody_else_revokes_or_sees_my_tokens(client, world):
    token, key = services.token_issue(actor=world.county_operator, name="省级接口A", days=30)
    client.force_login(world.city_admin_b)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert "省级接口A" not in client.get(reverse("accounts:token_list")).content.decode()
    assert _get(key).status_code == 200


def test_the_token_page_issues_once_and_lists(client, world):
    client.force_login(world.city_admin_a)
    response = client.post(
        reverse("accounts:token_list"), {"name": "全国平台数据交换", "days": 90}, follow=True
    )
    text = response.content.decode()
    assert "只显示这一次" in text
    key = text.split("已签发：", 1)[1].split(" ", 1)[0]
    assert _get(key).status_code == 200
    again = client.get(reverse("accounts:token_list")).content.decode()
    assert "全国平台数据交换" in again and key not in again
    bad = client.post(reverse("accounts:token_list"), {"name": "", "days": 0})
    assert bad.status_code == 400


def test_enterprise_contacts_do_not_issue_tokens(client, world):
    contact = make_user("ent_t", world.county_a1, Role.objects.get(code="enterprise_contact"))
    with pytest.raises(BusinessError):
        services.token_issue(actor=contact, name="x", days=1)
    client.force_login(contact)
    assert client.post(reverse("accounts:token_list"), {"name": "x", "days": 1}).status_code == 403


class TestApiTokenScope(DataScopeMatrixTests):
    """Who sees which tokens on API 令牌管理: the token's user's unit is what the scope filters."""

    __test__ = True
    model = ApiToken

    def make_row(self, unit, owner):
        user = owner if owner.org_id == unit.pk else make_user(f"tok_{unit.pk}", unit)
        return ApiToken.objects.create(
            user=user,
            name="脚本",
            key_prefix=f"jq_{unit.pk}",
            key_hash=f"{unit.pk:064d}",
            expires_at=timezone.now() + timedelta(days=30),
        )
