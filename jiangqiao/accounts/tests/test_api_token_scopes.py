"""API token scopes (issue 17 point 1): an exchange token calls only the exchange endpoints;
expired and revoked tokens get 401 with a Chinese message; every use is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from jiangqiao.accounts import services
from jiangqiao.accounts.models import ApiToken, ApiTokenUse
from jiangqiao.core.exceptions import BusinessError

pytestmark = pytest.mark.django_db

EXCHANGE = "/api/v1/exchange/batches/"
TALENTS = "/api/v1/talents/craftsmen/"


def _get(key, url):
    return Client().get(url, HTTP_AUTHORIZATION=f"Token {key}")


def test_an_exchange_token_reaches_only_the_exchange_api(world):
    token, key = services.token_issue(
        actor=world.province_admin, name="全国平台数据交换", days=30, scopes=["exchange"]
    )
    assert _get(key, EXCHANGE).status_code == 200
    refused = _get(key, TALENTS)
    assert refused.status_code == 403
    assert "数据交换" in refused.json()["detail"] and "不能调用此接口" in refused.json()["detail"]
    # An unscoped token of the same account reads the talents API (the refusal is the scope's).
    _, open_key = services.token_issue(actor=world.province_admin, name="脚本", days=30)
    assert _get(open_key, TALENTS).status_code == 200
    uses = list(ApiTokenUse.objects.filter(token=token).order_by("pk"))
    assert [(u.path, u.allowed) for u in uses] == [(EXCHANGE, True), (TALENTS, False)]
    assert "数据交换" in uses[1].message


def test_every_use_is_logged_not_only_once_a_minute(world):
    token, key = services.token_issue(
        actor=world.province_admin, name="交换", days=30, scopes=["exchange"]
    )
    for _ in range(3):
        assert _get(key, EXCHANGE).status_code == 200
    assert ApiTokenUse.objects.filter(token=token, allowed=True).count() == 3


def test_expired_and_revoked_tokens_get_401_in_chinese(world):
    token, key = services.token_issue(
        actor=world.province_admin, name="交换", days=1, scopes=["exchange"]
    )
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        expired = _get(key, EXCHANGE)
    assert expired.status_code == 401 and "API 令牌已过期" in expired.json()["detail"]
    services.token_revoke(actor=world.province_admin, token=token)
    revoked = _get(key, EXCHANGE)
    assert revoked.status_code == 401 and "API 令牌已吊销" in revoked.json()["detail"]
    unknown = _get("jq_not-a-real-token", EXCHANGE)
    assert unknown.status_code == 401 and unknown.json()["detail"] == "API 令牌无效"


@pytest.mark.parametrize("scopes", [["talents"], "exchange", [1]])
def test_unknown_scopes_are_refused_and_nothing_is_issued(world, scopes):
    with pytest.raises(BusinessError) as exc:
        services.token_issue(actor=world.province_admin, name="交换", days=1, scopes=scopes)
    assert exc.value.field == "scopes" and exc.value.message.startswith("使用范围")
    assert not ApiToken.objects.filter(user=world.province_admin).exists()


def test_the_token_page_issues_a_scoped_token(world):
    client = Client()
    client.force_login(world.province_admin)
    response = client.post(
        "/accounts/tokens/",
        {"name": "全国平台数据交换", "days": 30, "scopes": ["exchange"]},
    )
    assert response.status_code == 302
    token = ApiToken.objects.get(user=world.province_admin)
    assert token.scopes == ["exchange"] and token.scope_labels == "数据交换"
    assert not token.read_only


def test_the_use_log_is_kept_the_legal_minimum_then_purged(world):
    from jiangqiao.core import retention

    token, key = services.token_issue(
        actor=world.province_admin, name="交换", days=365, scopes=["exchange"]
    )
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=200)):
        assert _get(key, EXCHANGE).status_code == 200  # past the 180-day floor
    with time_machine.travel(start - timedelta(days=170)):
        assert _get(key, EXCHANGE).status_code == 200  # within it
    dry = retention.run(dry_run=True, only=("api_token_uses",))
    assert [o.count for o in dry] == [1] and ApiTokenUse.objects.filter(token=token).count() == 2
    done = retention.run(only=("api_token_uses",))
    assert [o.count for o in done] == [1]
    left = ApiTokenUse.objects.filter(token=token)
    assert left.count() == 1 and left.get().time > start - timedelta(days=180)
    assert ApiToken.objects.filter(pk=token.pk).exists()  # the token itself stays
