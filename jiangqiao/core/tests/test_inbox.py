"""站内消息 and 审批事项: only the recipient reads a message; one approver decides, never his own."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts import services as account_services
from jiangqiao.accounts.models import Role
from jiangqiao.core import approvals
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import ApprovalRequest, Notification, OperationLog
from jiangqiao.core.notifications import notify
from jiangqiao.core.testing.personas import make_user

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_message_is_read_only_by_its_recipient(client, world):
    [note] = notify([world.city_admin_a], title="您的角色已调整", body="由 A 调整为 B")
    client.force_login(world.city_admin_b)
    assert client.get(reverse("core:notification_detail", args=[note.pk])).status_code == 404
    assert "您的角色已调整" not in client.get(reverse("core:notification_list")).content.decode()
    assert (
        _api(world.city_admin_b).get(f"/api/v1/inbox/notifications/{note.pk}/").status_code == 404
    )
    assert (
        _api(world.city_admin_b).post(f"/api/v1/inbox/notifications/{note.pk}/read/").status_code
        == 404
    )
    note.refresh_from_db()
    assert note.read_at is None

    client.force_login(world.city_admin_a)
    home = client.get(reverse("core:home")).content.decode()
    assert "我的消息，1 条未读" in home and "unread-count" in home
    page = client.get(reverse("core:notification_detail", args=[note.pk])).content.decode()
    assert "由 A 调整为 B" in page
    note.refresh_from_db()
    assert note.read_at is not None
    home = client.get(reverse("core:home")).content.decode()
    assert "我的消息，0 条未读" in home and "unread-count" not in home


def test_the_api_never_hands_out_a_one_time_secret(world):
    notify([world.city_admin_a], title="后半段", secret="Ab3$xyz9", secret_key="k")
    data = _api(world.city_admin_a).get("/api/v1/inbox/notifications/").json()
    assert data["count"] == 1
    assert "Ab3$xyz9" not in str(data)
    assert _api(world.city_admin_a).post("/api/v1/inbox/notifications/read_all/").json() == {
        "count": 1
    }


def test_secrets_are_stored_encrypted(world):
    from django.db import connection

    [note] = notify([world.city_admin_a], title="后半段", secret="Ab3$xyz9", secret_key="k")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM core_notification WHERE id = %s", [note.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and "Ab3$xyz9" not in stored


@override_settings(JIANGQIAO_NOTIFY_BY_EMAIL=True)
def test_an_email_copy_goes_out_after_commit_without_the_secret(
    world, django_capture_on_commit_callbacks
):
    world.city_admin_a.email = "a@example.org"
    world.city_admin_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [world.city_admin_a, world.city_admin_b],
            title="密码已重置",
            body="正文",
            secret="S3cret!",
        )
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert "S3cret!" not in mail.outbox[0].body


@pytest.fixture
def move(world):
    sysadmin = make_user("sys1", world.province, Role.objects.get(code="system_admin"))
    clerk = make_user("clerk", world.county_a1, Role.objects.get(code="union_staff"))
    request = account_services.user_move(actor=sysadmin, user=clerk, org=world.city_b)
    return sysadmin, clerk, request


def test_approvers_are_told_and_only_they_and_the_requester_see_the_request(client, world, move):
    sysadmin, clerk, request = move
    sec1 = make_user("sec1", world.province, Role.objects.get(code="security_admin"))
    # Told after the request was filed? Only those on duty at the time: file another one.
    other = make_user("clerk2", world.county_a2, Role.objects.get(code="union_staff"))
    second = account_services.user_move(actor=sysadmin, user=other, org=world.city_b)
    assert Notification.objects.filter(recipient=sec1, link=second.get_absolute_url()).exists()
    assert not Notification.objects.filter(
        recipient=sysadmin, link=second.get_absolute_url()
    ).exists()
    for outsider in (world.city_admin_a, clerk, world.auditor):
        client.force_login(outsider)
        assert client.get(reverse("core:approval_detail", args=[request.pk])).status_code == 404
        assert _api(outsider).get(f"/api/v1/inbox/approvals/{request.pk}/").status_code == 404
    client.force_login(sec1)
    assert request.title in client.get(reverse("core:approval_list")).content.decode()
    client.force_login(sysadmin)
    assert request.title in client.get(reverse("core:approval_list")).content.decode()


def test_two_approvers_at_once_get_one_winner(world, move):
    _, clerk, request = move
    sec1 = make_user("sec1", world.province, Role.objects.get(code="security_admin"))
    sec2 = make_user("sec2", world.province, Role.objects.get(code="security_admin"))
    stale = ApprovalRequest.objects.get(pk=request.pk)
    approvals.approval_decide(actor=sec1, request=request, approve=True)
    with pytest.raises(BusinessError, match="已由"):
        approvals.approval_decide(actor=sec2, request=stale, approve=False, note="不同意")
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == sec1
    clerk.refresh_from_db()
    assert clerk.org_id == world.city_b.pk
    assert (
        OperationLog.objects.filter(business_type="approve", target_id=str(request.pk)).count() == 1
    )
    api = _api(sec2).post(f"/api/v1/inbox/approvals/{request.pk}/reject/", {"decision_note": "x"})
    assert api.status_code == 409


def test_a_rejection_needs_a_reason_and_changes_nothing(world, move):
    _, clerk, request = move
    sec1 = make_user("sec1", world.province, Role.objects.get(code="security_admin"))
    response = _api(sec1).post(f"/api/v1/inbox/approvals/{request.pk}/reject/", {})
    assert response.status_code == 400 and "驳回时请说明理由" in response.json()["detail"]
    response = _api(sec1).post(
        f"/api/v1/inbox/approvals/{request.pk}/reject/", {"decision_note": "无借调文件"}
    )
    assert response.status_code == 200 and response.json()["status"]["value"] == "rejected"
    clerk.refresh_from_db()
    assert clerk.org_id == world.county_a1.pk
    # The requester hears of the decision; the user concerned hears only of an actual move.
    requester = request.requested_by
    assert Notification.objects.filter(recipient=requester, title__startswith="已驳回").exists()
    assert not Notification.objects.filter(recipient=clerk).exists()


def test_an_approval_that_no_longer_applies_is_rolled_back(world, move):
    sysadmin, clerk, request = move
    sec1 = make_user("sec1", world.province, Role.objects.get(code="security_admin"))
    account_services.user_move(actor=sysadmin, user=clerk, org=world.grassroots_a1)  # moved down
    with pytest.raises(BusinessError, match="申请后已被改变"):
        approvals.approval_decide(actor=sec1, request=request, approve=True)
    request.refresh_from_db()
    assert request.status == "pending"
    clerk.refresh_from_db()
    assert clerk.org_id == world.grassroots_a1.pk


def test_the_requester_withdraws_a_pending_request(client, world, move):
    sysadmin, _clerk, request = move
    client.force_login(sysadmin)
    response = client.post(reverse("core:approval_detail", args=[request.pk]), {"action": "cancel"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "cancelled"
    sec1 = make_user("sec1", world.province, Role.objects.get(code="security_admin"))
    with pytest.raises(BusinessError, match="已由"):
        approvals.approval_decide(actor=sec1, request=request, approve=True)
