from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from jiangqiao.core import crypto
from jiangqiao.core.concurrency import STALE_MESSAGE, version_from
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.sensitive import mask, reveal


def test_encryption_round_trip_is_randomised_and_authenticated():
    a = crypto.encrypt("440305199001011234")
    b = crypto.encrypt("440305199001011234")
    assert a != b and a.startswith("v1:") and "440305" not in a
    assert crypto.decrypt(a) == "440305199001011234"
    tampered = a[:-4] + ("AAAA" if not a.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception):  # noqa: B017 — any authentication failure
        crypto.decrypt(tampered)


def test_blind_index_is_keyed_and_purpose_separated():
    x = crypto.blind_index("13800138000", purpose="mobile")
    assert x == crypto.blind_index("13800138000", purpose="mobile")
    assert x != crypto.blind_index("13800138000", purpose="id_number")
    assert "13800138000" not in x and len(x) == 64
    with override_settings(FIELD_ENCRYPTION_KEY="b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMTI="):
        assert crypto.blind_index("13800138000", purpose="mobile") != x


def test_missing_or_short_key_fails_loudly():
    with override_settings(FIELD_ENCRYPTION_KEY=""), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
    with override_settings(FIELD_ENCRYPTION_KEY="c2hvcnQ="), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_masks():
    assert mask("id_number", "440305199001011234") == "4403**********1234"
    assert mask("mobile", "13812345678") == "138****5678"
    assert mask("mobile", "") == ""


@pytest.mark.django_db
def test_reveal_logs_only_permitted_views(world):
    org = world.county_a1
    masked = reveal(
        actor=world.grassroots_clerk, obj=org, fields={"mobile": "13812345678"}, purpose="核实"
    )
    assert masked == {"mobile": "138****5678"}
    assert not OperationLog.objects.filter(business_type="view_sensitive").exists()
    # The superuser holds every permission, including view_sensitive_*.
    with pytest.raises(BusinessError, match="请说明查看明文的用途"):
        reveal(actor=world.superuser, obj=org, fields={"mobile": "13812345678"}, purpose=" ")
    plain = reveal(actor=world.superuser, obj=org, fields={"mobile": "13812345678"}, purpose="核实")
    assert plain == {"mobile": "13812345678"}
    log = OperationLog.objects.get(business_type="view_sensitive")
    assert log.user == world.superuser and log.extra["purpose"] == "核实"


def test_version_from_parses_what_the_client_sent():
    # claim_version itself is exercised on a versioned model (demands) in its app's tests.
    with pytest.raises(BusinessError) as exc:
        version_from({"version": "abc"})
    assert exc.value.message == STALE_MESSAGE
    assert version_from({"version": "3"}) == 3
    assert version_from({}) is None
