"""Notification channels: each person chooses e-mail, SMS, WeChat; every attempt is recorded."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from jiangqiao.core import notifications
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import NotificationDelivery, NotificationPreference
from jiangqiao.core.notifications import notify


class BrokenSms:
    code = "sms"
    label = "短信"

    def send(self, **kwargs):
        raise ConnectionError("网关无响应")


def test_chosen_channels_get_a_copy_and_each_attempt_is_recorded(
    world, django_capture_on_commit_callbacks, caplog
):
    user = world.city_admin_a
    user.email = "a@example.org"
    user.save(update_fields=["email"])
    notifications.preference_update(
        actor=user, by_email=True, by_sms=True, by_wechat=False, mobile="138 0013 8000"
    )
    assert NotificationPreference.objects.get(user=user).mobile == "13800138000"
    with (
        caplog.at_level(logging.INFO, logger="jiangqiao.notify"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        note = notify([user, world.city_admin_b], title="服务邀请即将超时", body="请答复")[0]
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text
    rows = list(NotificationDelivery.objects.values_list("notification_id", "channel", "ok"))
    assert sorted(rows) == [(note.pk, "email", True), (note.pk, "sms", True)]


@override_settings(JIANGQIAO_SMS_BACKEND="jiangqiao.core.tests.test_channels.BrokenSms")
def test_a_failing_gateway_is_recorded_not_raised(world, django_capture_on_commit_callbacks):
    user = world.city_admin_a
    notifications.preference_update(
        actor=user, by_email=False, by_sms=True, by_wechat=False, mobile="13800138000"
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify([user], title="回访提醒")
    delivery = NotificationDelivery.objects.get()
    assert (delivery.channel, delivery.ok) == ("sms", False)
    assert "网关无响应" in delivery.detail


def test_a_rolled_back_action_sends_nothing(world, django_capture_on_commit_callbacks):
    user = world.city_admin_a
    notifications.preference_update(
        actor=user, by_email=False, by_sms=True, by_wechat=False, mobile="13800138000"
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([user], title="x")
    assert callbacks  # queued for after the commit only
    assert not NotificationDelivery.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"by_sms": True}, "mobile"),
        ({"by_sms": True, "mobile": "12345"}, "mobile"),
        ({"by_wechat": True}, "wechat_openid"),
        ({"by_wechat": True, "wechat_openid": "<script>"}, "wechat_openid"),
        ({"by_email": True}, "by_email"),  # the account has no e-mail address
    ],
)
def test_each_channel_needs_its_address(world, data, field):
    values = {"by_email": False, "by_sms": False, "by_wechat": False, **data}
    with pytest.raises(BusinessError) as refused:
        notifications.preference_update(actor=world.city_admin_b, **values)
    assert refused.value.field == field
    assert not NotificationPreference.objects.filter(user=world.city_admin_b).exists()


def test_settings_page_saves_for_the_signed_in_user_only(client, world):
    client.force_login(world.county_operator)
    url = reverse("core:notification_settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"by_sms": "on", "mobile": "139-0000-1111"})
    assert response.status_code == 302
    pref = NotificationPreference.objects.get()
    assert (pref.user, pref.by_sms, pref.mobile) == (world.county_operator, True, "13900001111")
    response = client.post(url, {"by_wechat": "on"})
    assert response.status_code == 400
    assert "微信 OpenID" in response.content.decode()
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
