"""Live exchange (issue 17 point 9), in one process: the receiver applies a batch exactly once,
the sender keeps an unacknowledged batch and resends it whole, conflicts reach both sides, lag.

Both "instances" share the test database: the receiver runs with another ``INSTANCE_ID`` (so the
province's records are foreign to it). The HTTP transport is the Django test client; the real
two-process run is ``test_live_two_instances.py``.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from jiangqiao.accounts import services as account_services
from jiangqiao.core.crypto import decrypt_bytes
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.models import OperationLog
from jiangqiao.core.testing.personas import make_user
from jiangqiao.demands import services as demand_services
from jiangqiao.exchange import live
from jiangqiao.exchange.models import ExchangeBatch, ExchangePeer, ExchangeReceipt

from .helpers import build, export

pytestmark = pytest.mark.django_db

RECEIVE = "/api/v1/exchange/receive/"
KEY = "batch-0001-aaaa"


@pytest.fixture
def province(world, settings):
    settings.INSTANCE_ID = "gd-province"
    return build(world.county_a1, world.province_admin)


@pytest.fixture
def token(world):
    _, key = account_services.token_issue(
        actor=world.province_admin,
        name="全国平台数据交换",
        days=30,
        read_only=False,
        scopes=["exchange"],
    )
    return key


@pytest.fixture
def peer(world, province, token):
    return live.peer_save(
        actor=world.province_admin,
        data={
            "name": "全国平台",
            "base_url": "http://national.test",
            "token": token,
            "run_as": world.province_admin,
            "pii": "hash",
            # Service records have no natural key: in one shared database the receiver would
            # write a second copy, which the sender would then see as a new change.
            "types": ["enterprise", "craftsman", "team", "demand", "match"],
            "interval_minutes": 10,
            "is_active": True,
        },
    )


class Wire:
    """The HTTP transport of the sender, through the receiver's real view (as ``national``).
    ``drop``: the receiver answers (and has committed) but the answer never arrives."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.drop = False
        self.sent: list[str] = []

    def __call__(self, peer: ExchangePeer) -> tuple[int, dict[str, Any]]:
        self.sent.append(peer.pending_key)
        self.settings.INSTANCE_ID = "national"
        try:
            response = Client().post(
                RECEIVE,
                data=live.pending_body(peer),
                content_type="application/x-ndjson",
                HTTP_AUTHORIZATION=f"Token {peer.token}",
                HTTP_X_EXCHANGE_BATCH=peer.pending_key,
            )
        finally:
            self.settings.INSTANCE_ID = "gd-province"
        if self.drop:
            return 0, {"detail": "连接中断（应答未送达）"}
        return response.status_code, response.json()


@pytest.fixture
def wire(settings, monkeypatch):
    transport = Wire(settings)
    monkeypatch.setattr(live, "_post", transport)
    return transport


def _imports() -> int:
    return ExchangeBatch.objects.filter(direction="import").count()


# -- receiver ----------------------------------------------------------------------------------


def test_a_batch_is_applied_once_and_a_resend_is_answered_from_the_receipt(
    world, province, settings
):
    content = export(world.province_admin).encode()
    settings.INSTANCE_ID = "national"
    first, batch = live.receive_batch(actor=world.province_admin, content=content, batch_key=KEY)
    assert first == "applied" and batch.status == "done"
    again, same = live.receive_batch(actor=world.province_admin, content=content, batch_key=KEY)
    assert again == "already_applied" and same.pk == batch.pk
    assert _imports() == 1
    receipt = ExchangeReceipt.objects.get()
    assert (receipt.source_instance, receipt.batch_key, receipt.resent) == ("gd-province", KEY, 1)
    with pytest.raises(live.BatchKeyReused, match="内容不同"):
        live.receive_batch(actor=world.province_admin, content=content + b"\n", batch_key=KEY)
    with pytest.raises(BusinessError) as exc:
        live.receive_batch(actor=world.province_admin, content=content, batch_key="x;")
    assert exc.value.field == "batch"
    assert _imports() == 1


def test_the_receive_endpoint_answers_each_case_without_a_500(world, province, token, settings):
    content = export(world.province_admin).encode()
    settings.INSTANCE_ID = "national"

    def post(body: bytes, key: str = KEY, auth: str = token) -> Any:
        return Client().post(
            RECEIVE,
            data=body,
            content_type="application/x-ndjson",
            HTTP_AUTHORIZATION=f"Token {auth}",
            HTTP_X_EXCHANGE_BATCH=key,
        )

    applied = post(content)
    assert applied.status_code == 201 and applied.json()["result"] == "applied"
    resent = post(content)
    assert resent.status_code == 200 and resent.json()["result"] == "already_applied"
    assert resent.json()["batch"] == applied.json()["batch"]
    assert post(content + b"\n").status_code == 409
    # A batch cut midway (the last line half sent): refused whole, nothing written, no receipt.
    cut = content[: len(content) - 40]
    half = post(cut, key="batch-0002-bbbb")
    assert half.status_code == 400 and half.json()["result"] == "failed"
    assert half.json()["errors"] and "JSON" in half.json()["errors"][0]["message"]
    assert not ExchangeReceipt.objects.filter(batch_key="batch-0002-bbbb").exists()
    assert post(content, key="").status_code == 400
    assert post(content, auth="jq_expired-or-unknown").status_code == 401


def test_a_token_without_the_import_permission_is_refused(world, province, settings):
    from jiangqiao.accounts.authentication import hash_key
    from jiangqiao.accounts.models import ApiToken

    # An account without the import permission (no role at all), holding an exchange token.
    holder = make_user("no_import", world.county_a1)
    key = "jq_no-import-permission-key"
    ApiToken.objects.create(
        user=holder,
        name="脚本",
        key_prefix=key[:8],
        key_hash=hash_key(key),
        read_only=False,
        scopes=["exchange"],
        expires_at=timezone.now() + timedelta(days=5),
    )
    content = export(world.province_admin).encode()
    response = Client().post(
        RECEIVE,
        data=content,
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_X_EXCHANGE_BATCH=KEY,
    )
    assert response.status_code == 403
    assert not ExchangeReceipt.objects.exists() and _imports() == 0


# -- sender ------------------------------------------------------------------------------------


def test_an_answer_lost_after_commit_is_resent_whole_and_applied_once(world, peer, wire):
    wire.drop = True
    assert live.peer_sync(peer=peer) == "failed"
    peer.refresh_from_db()
    assert peer.acked_cursor == 0 and peer.pending_key and peer.attempts == 1
    assert "连接中断" in peer.last_error
    pending = (peer.pending_key, bytes(peer.pending_content))
    assert ExchangeReceipt.objects.count() == 1 and _imports() == 1  # the receiver committed
    wire.drop = False
    assert live.peer_sync(peer=peer) == "already_applied"
    peer.refresh_from_db()
    assert wire.sent == [pending[0], pending[0]]  # the same batch, not a new export
    assert peer.acked_cursor > 0 and not peer.pending_key and peer.pending_content is None
    assert peer.last_error == "" and peer.last_success_at is not None
    assert ExchangeReceipt.objects.get().resent == 1 and _imports() == 1
    # Nothing new: no batch is exported or sent.
    exports = ExchangeBatch.objects.filter(direction="export").count()
    assert live.peer_sync(peer=peer) == "nothing"
    assert ExchangeBatch.objects.filter(direction="export").count() == exports
    assert len(wire.sent) == 2


def test_a_receiver_that_cannot_be_reached_keeps_the_batch(world, peer):
    ExchangePeer.objects.filter(pk=peer.pk).update(base_url="http://127.0.0.1:9")
    peer.refresh_from_db()
    assert live.peer_sync(peer=peer) == "failed"
    peer.refresh_from_db()
    assert peer.pending_key and peer.acked_cursor == 0
    assert peer.last_error.startswith("连接对方失败或连接中断")
    assert peer.lease_until is None  # the next attempt is not blocked
    log = OperationLog.objects.filter(action__contains="向交换对端“全国平台”同步").latest("pk")
    assert log.status == "fail"


def test_the_batch_waiting_for_its_answer_is_kept_encrypted(world, peer, province):
    ExchangePeer.objects.filter(pk=peer.pk).update(base_url="http://127.0.0.1:9")
    peer.refresh_from_db()
    assert live.peer_sync(peer=peer) == "failed"
    peer.refresh_from_db()
    stored = bytes(peer.pending_content)
    body = live.pending_body(peer)
    # What is sent names the province's enterprise; what the database holds does not.
    assert province.enterprise.name.encode() in body
    assert province.enterprise.name.encode() not in stored
    assert body.split(b"\n", 1)[0] not in stored
    assert decrypt_bytes(stored) == body


def test_the_migration_encrypts_a_batch_left_waiting_in_clear_and_back(world, peer):
    from django.apps import apps

    step = importlib.import_module("jiangqiao.exchange.migrations.0003_encrypt_pending_batch")
    clear = b'{"format": "jiangqiao-exchange"}\n'
    ExchangePeer.objects.filter(pk=peer.pk).update(pending_key=KEY, pending_content=clear)
    step.encrypt_pending(apps, None)
    peer.refresh_from_db()
    assert bytes(peer.pending_content) != clear and live.pending_body(peer) == clear
    step.decrypt_pending(apps, None)
    peer.refresh_from_db()
    assert bytes(peer.pending_content) == clear


def test_conflicts_are_recorded_on_both_sides(world, peer, wire, province):
    assert live.peer_sync(peer=peer) == "applied"
    # The province changes the enterprise; on the receiver the same object has changed since it
    # was imported (one database plays both sides, so no field differs): the receiver keeps its
    # version and says so.
    demand_services.enterprise_update(
        actor=world.province_admin, enterprise=province.enterprise, data={"remark": "省里改了"}
    )
    assert live.peer_sync(peer=peer) == "applied"
    peer.refresh_from_db()
    received = ExchangeBatch.objects.filter(direction="import").latest("pk")
    assert received.conflict_count == 1
    conflict = peer.last_result["conflicts"][0]
    assert conflict["id"] == f"gd-province:enterprise:{province.enterprise.pk}"
    assert conflict["reason"] == "本地在上次导入后修改过，来源也有新版本"
    assert "object" not in conflict and "url" not in conflict  # no local names cross over
    sent = ExchangeBatch.objects.filter(direction="export").latest("pk")
    assert sent.conflict_count == 1 and sent.report["remote"]["conflict_count"] == 1
    # The link started with a snapshot; after that, changes since the acknowledged cursor.
    kinds = list(
        ExchangeBatch.objects.filter(direction="export")
        .order_by("pk")
        .values_list("kind", "cursor_from")
    )
    assert [kind for kind, _ in kinds] == ["snapshot", "changes"]
    assert kinds[0][1] is None and kinds[1][1] > 0
    page = Client()
    page.force_login(world.province_admin)
    html = page.get(peer.get_absolute_url()).content.decode()
    assert "对方报告的冲突" in html and conflict["id"] in html


def test_lag_is_the_age_of_the_oldest_unacknowledged_change(world, peer, wire):
    assert live.lag_seconds(peer) > 0
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert live.lag_seconds(peer) >= 300
        assert live.max_lag_seconds() >= 300
    live.peer_sync(peer=peer)
    peer.refresh_from_db()
    assert live.lag_seconds(peer) == 0
    assert live.lag_text(0) == "无滞后" and live.lag_text(3725) == "1小时2分"


def test_the_tick_syncs_a_peer_when_its_interval_has_passed(world, peer, wire):
    assert live.sync_due() == {"全国平台": "applied"}
    assert live.sync_due() == {}  # just synced: not due
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert live.sync_due() == {"全国平台": "nothing"}


def test_a_second_sync_while_one_runs_is_told_busy(world, peer, wire):
    assert live._take_lease(peer)
    assert live.peer_sync(peer=peer) == "busy"
    assert wire.sent == []


# -- configuration and pages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"base_url": "ftp://national.test"}, "base_url"),
        ({"token": ""}, "token"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"pii": "plain"}, "pii"),
        ({"types": "craftsman,nothing"}, "types"),
    ],
)
def test_a_bad_peer_is_refused_with_the_field_named(world, change, field):
    data = {
        "name": "全国平台",
        "base_url": "https://national.test",
        "token": "jq_x",
        "run_as": world.province_admin,
        "interval_minutes": 10,
        **change,
    }
    with pytest.raises(BusinessError) as exc:
        live.peer_save(actor=world.province_admin, data=data)
    assert exc.value.field == field
    assert not ExchangePeer.objects.exists()


def test_the_export_account_needs_the_export_permission(world):
    nobody = make_user("no_export", world.county_a1)
    with pytest.raises(BusinessError, match="导出交换文件") as exc:
        live.peer_save(
            actor=world.province_admin,
            data={"name": "全国", "base_url": "https://n.test", "token": "jq_x", "run_as": nobody},
        )
    assert exc.value.field == "run_as"


def test_the_token_is_stored_encrypted_and_never_shown(world, peer, token):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM exchange_exchangepeer WHERE id = %s", [peer.pk])
        stored = cursor.fetchone()[0]
    assert token not in stored
    client = Client()
    client.force_login(world.province_admin)
    for url in (peer.get_absolute_url(), f"/exchange/peers/{peer.pk}/edit/", "/exchange/peers/"):
        response = client.get(url)
        assert response.status_code == 200 and token not in response.content.decode()


def test_sync_now_needs_the_permission(world, peer, wire):
    client = Client()
    client.force_login(make_user("no_sync_role", world.county_a1))
    assert client.post(f"/exchange/peers/{peer.pk}/sync/").status_code == 403
    assert wire.sent == []
    admin = Client()
    admin.force_login(world.province_admin)
    response = admin.post(f"/exchange/peers/{peer.pk}/sync/")
    assert response.status_code == 302 and len(wire.sent) == 1
    peer.refresh_from_db()
    assert peer.acked_cursor > 0


def test_the_lag_is_a_prometheus_gauge(world, peer, wire):
    from jiangqiao.core import metrics

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        text = metrics.exposition().decode()
    line = next(x for x in text.splitlines() if x.startswith("jiangqiao_exchange_lag_seconds "))
    assert float(line.split()[1]) >= 120
    live.peer_sync(peer=peer)
    text = metrics.exposition().decode()
    line = next(x for x in text.splitlines() if x.startswith("jiangqiao_exchange_lag_seconds "))
    assert float(line.split()[1]) == 0


def test_the_peer_form_saves_and_names_a_bad_field(world, token):
    client = Client()
    client.force_login(world.province_admin)
    form = {
        "name": "全国平台",
        "base_url": "https://national.test",
        "token": token,
        "run_as": world.province_admin.pk,
        "pii": "hash",
        "interval_minutes": 15,
        "is_active": "on",
    }
    bad = client.post("/exchange/peers/add/", {**form, "interval_minutes": 0})
    assert bad.status_code == 400 and not ExchangePeer.objects.exists()
    saved = client.post("/exchange/peers/add/", form)
    peer = ExchangePeer.objects.get()
    assert saved.status_code == 302 and saved["Location"] == peer.get_absolute_url()
    assert (peer.interval_minutes, peer.token, peer.types) == (15, token, [])
    # Editing without a token keeps the stored one.
    client.post(f"/exchange/peers/{peer.pk}/edit/", {**form, "token": "", "interval_minutes": 30})
    peer.refresh_from_db()
    assert (peer.interval_minutes, peer.token) == (30, token)
    nobody = Client()
    nobody.force_login(make_user("no_exchange_role", world.county_a1))
    assert nobody.post("/exchange/peers/add/", {**form, "name": "另一个"}).status_code == 403
    assert ExchangePeer.objects.count() == 1
