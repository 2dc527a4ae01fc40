"""Tamper-evident audit logs (issue 17, point 2): attacks on the chained logs first, then sealing
after commit, the export, the retention floor, the purge anchor and the periodic check.

Log rows are sealed (given their position) after their transaction commits. In these tests the
test case's transaction never commits, so they seal explicitly (``auditchain.seal``) where the
platform would have sealed on commit."""

from __future__ import annotations

import io
import json
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.db import connection, connections, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from jiangqiao.accounts.auditing import check_audit_chains
from jiangqiao.accounts.models import LoginLog
from jiangqiao.core import auditchain, periodic
from jiangqiao.core.choices import BusinessType
from jiangqiao.core.models import (
    AuditChainHead,
    AuditChainState,
    ChangeLog,
    Notification,
    OperationLog,
)
from jiangqiao.core.operations import record_operation
from jiangqiao.core.testing.personas import admin_user

pytestmark = pytest.mark.django_db


def _logins(n: int, prefix: str = "u", *, sealed: bool = True) -> list[LoginLog]:
    rows = [
        LoginLog.objects.create(username=f"{prefix}{i}", status="success", message=f"第{i}次")
        for i in range(n)
    ]
    if sealed:
        auditchain.seal("login")  # what the commit would have done
    return rows


def _verify(*args: str) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def _seq(row: Any) -> int:
    row.refresh_from_db()
    return int(row.chain_seq)


def _seq_or_none(row: Any) -> int | None:
    row.refresh_from_db()
    return row.chain_seq


# ------------------------------------------------------------------------------------ attacks


def test_untouched_logs_verify(world):
    _logins(5)
    record_operation(
        actor=world.auditor, module="测试", business_type=BusinessType.OTHER, action="a"
    )
    auditchain.seal_all()
    ok, out = _verify()
    assert ok, out
    assert "链完整" in out and "变更日志" in out and "登录日志" in out
    seqs = list(LoginLog.objects.order_by("chain_seq").values_list("chain_seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_edit_through_the_orm_names_the_row(world):
    rows = _logins(4)
    target = rows[2]
    LoginLog.objects.filter(pk=target.pk).update(message="改过的说明")
    ok, out = _verify("--log", "login")
    assert not ok
    assert f"第 {_seq(target)} 条（id={target.pk}）内容被修改" in out
    # Only that row: its neighbours still check.
    assert out.count("内容被修改") == 1


def test_edit_in_raw_sql_names_the_row(world):
    record_operation(
        actor=world.auditor, module="测试", business_type=BusinessType.OTHER, action="a"
    )
    record_operation(
        actor=world.auditor, module="测试", business_type=BusinessType.OTHER, action="b"
    )
    auditchain.seal("operation")
    target = OperationLog.objects.get(action="a")
    table = OperationLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET action = %s WHERE id = %s", ["掩盖", target.pk])  # noqa: S608
    ok, out = _verify("--log", "operation")
    assert not ok and f"第 {_seq(target)} 条（id={target.pk}）内容被修改" in out


def test_backdating_a_row_is_an_edit(world):
    rows = _logins(3)
    LoginLog.objects.filter(pk=rows[1].pk).update(time=timezone.now() - timedelta(days=400))
    ok, out = _verify("--log", "login")
    assert not ok and f"（id={rows[1].pk}）内容被修改" in out


def test_deleted_row_is_a_named_gap(world):
    rows = _logins(5)
    gone, after = rows[1], rows[2]
    seq_after = _seq(after)
    LoginLog.objects.filter(pk=gone.pk).delete()
    ok, out = _verify("--log", "login")
    assert not ok
    assert f"第 {seq_after} 条（id={after.pk}）之前缺少 1 条（被删除）" in out


def test_deleted_last_rows_are_reported_as_missing_tail(world):
    rows = _logins(4)
    last = _seq(rows[-1])
    LoginLog.objects.filter(pk__in=[rows[-1].pk, rows[-2].pk]).delete()
    ok, out = _verify("--log", "login")
    assert not ok and f"链尾缺少 2 条（第 {last - 1}–{last} 条被删除）" in out


def test_swapped_contents_are_detected_as_reordering(world):
    rows = _logins(5)
    a, b = rows[1], rows[3]
    fields = ["time", "username", "message"]
    va = LoginLog.objects.filter(pk=a.pk).values(*fields).get()
    vb = LoginLog.objects.filter(pk=b.pk).values(*fields).get()
    LoginLog.objects.filter(pk=a.pk).update(**vb)
    LoginLog.objects.filter(pk=b.pk).update(**va)
    ok, out = _verify("--log", "login")
    assert not ok
    assert f"第 {_seq(a)} 条（id={a.pk}）与第 {_seq(b)} 条（id={b.pk}）顺序被调换" in out
    assert "内容被修改" not in out


@pytest.mark.parametrize("gap", [1, 2])
def test_rows_moved_to_each_others_place_are_detected(world, gap):
    rows = _logins(6)
    a, b = rows[1], rows[1 + gap]
    sa, sb = _seq(a), _seq(b)
    LoginLog.objects.filter(pk=a.pk).update(chain_seq=-1)
    LoginLog.objects.filter(pk=b.pk).update(chain_seq=sa)
    LoginLog.objects.filter(pk=a.pk).update(chain_seq=sb)
    ok, out = _verify("--log", "login")
    assert not ok
    assert f"第 {sa} 条（id={b.pk}）与第 {sb} 条（id={a.pk}）顺序被调换" in out
    assert "内容被修改" not in out


def test_row_inserted_in_sql_is_detected(world):
    _logins(3)
    table = LoginLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (time, username, status, user_agent, message, chain_hash, "  # noqa: S608
            "row_mac) VALUES (%s, %s, %s, '', '', '', '')",
            [timezone.now(), "ghost", "success"],
        )
    ghost = LoginLog.objects.get(username="ghost")
    # The sealer does not take it into the chain: it has no valid row MAC.
    assert auditchain.seal("login").sealed == 0
    assert _seq_or_none(ghost) is None
    ok, out = _verify("--log", "login")
    assert not ok and f"id={ghost.pk} 没有行校验码，是绕过系统写入的（插入）" in out


def test_row_inserted_after_the_head_is_detected(world):
    rows = _logins(2)
    head = AuditChainHead.objects.get(log="login").seq
    forged = LoginLog.objects.filter(pk=rows[0].pk).values("time").get()
    table = LoginLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (time, username, status, user_agent, message, chain_seq, "  # noqa: S608
            "chain_hash, row_mac) VALUES (%s, %s, %s, '', '', %s, %s, '')",
            [forged["time"], "ghost", "success", head + 1, "f" * 64],
        )
    ok, out = _verify("--log", "login")
    assert not ok and f"第 {head + 1} 条" in out and "在链头之后" in out


def test_the_chain_cannot_be_recomputed_without_the_key(world):
    rows = _logins(3)
    LoginLog.objects.filter(pk=rows[1].pk).update(message="改过")
    # The attacker recomputes the link with a key of his own guess.
    with override_settings(JIANGQIAO_AUDIT_CHAIN_KEY="guessed-key"):
        auditchain._key.cache_clear()
        try:
            prev = LoginLog.objects.get(chain_seq=_seq(rows[1]) - 1).chain_hash
            row = LoginLog.objects.filter(pk=rows[1].pk).values().get()
            forged = auditchain.link_hash(
                "login",
                prev,
                row["chain_seq"],
                auditchain.canonical_bytes(
                    auditchain.content_of(LoginLog, LoginLog.chain_fields, row)
                ),
            )
        finally:
            auditchain._key.cache_clear()
    LoginLog.objects.filter(pk=rows[1].pk).update(chain_hash=forged)
    ok, out = _verify("--log", "login")
    assert not ok and f"（id={rows[1].pk}）内容被修改" in out


def test_since_starts_the_walk_later(world):
    rows = _logins(6)
    LoginLog.objects.filter(pk=rows[0].pk).update(message="改过")
    ok, _ = _verify("--log", "login", "--since", str(_seq(rows[2])))
    assert ok
    ok, _ = _verify("--log", "login", "--since", str(_seq(rows[0])))
    assert not ok


def test_log_rows_are_append_only(world):
    row = _logins(1)[0]
    row.message = "改"
    with pytest.raises(ValueError, match="只能追加"):
        row.save()


def test_bulk_change_log_rows_are_chained(world):
    from jiangqiao.core.changelog import bulk_write

    before = ChangeLog.objects.count()
    bulk_write([(world.county_a1, None), (world.county_a2, None)], "create", message="导入")
    assert ChangeLog.objects.count() == before + 2
    done = auditchain.seal("change")
    # The world's own change rows and the two imported ones, all with a valid row MAC.
    assert done.refused == 0 and done.sealed >= 2
    assert not ChangeLog.objects.filter(chain_seq__isnull=True).exists()
    ok, out = _verify("--log", "change")
    assert ok, out


def test_chaining_existing_rows_in_id_order(world):
    """What the data migration does for rows written before the chain."""
    _logins(4)
    LoginLog.objects.update(chain_seq=None, chain_hash="")
    AuditChainHead.objects.filter(log="login").delete()
    n = auditchain.chain_existing(
        LoginLog, AuditChainHead, log="login", names=LoginLog.chain_fields
    )
    assert n == LoginLog.objects.count()
    ids = list(LoginLog.objects.order_by("chain_seq").values_list("pk", flat=True))
    assert ids == sorted(ids)
    ok, out = _verify("--log", "login")
    assert ok, out
    _logins(1, "after")
    assert _verify("--log", "login")[0]


# ------------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_the_chain(world):
    per_writer = 25

    def writer(prefix: str) -> None:
        try:
            _logins(per_writer, prefix)
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=writer, args=(p,)) for p in ("t1-", "t2-", "t3-")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:  # SQLite: one writer at a time (the database lock); interleave from a loop
        for i in range(per_writer):
            for p in ("t1-", "t2-", "t3-"):
                LoginLog.objects.create(username=f"{p}{i}", status="success")
    assert LoginLog.objects.filter(username__startswith="t").count() == 3 * per_writer
    seqs = list(LoginLog.objects.order_by("chain_seq").values_list("chain_seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    ok, out = _verify("--log", "login")
    assert ok, out


# -------------------------------------------------------------------------- sealing after commit


def test_an_append_is_sealed_once_its_transaction_commits(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = _logins(3, sealed=False)
        record_operation(
            actor=world.auditor, module="测试", business_type=BusinessType.OTHER, action="a"
        )
        # Inside the business transaction: a row MAC, no position, no head row touched.
        assert all(_seq_or_none(r) is None and len(r.row_mac) == 64 for r in rows)
    sealers = [c for c in callbacks if isinstance(c, auditchain._SealAfterCommit)]
    # One sealer per log the transaction wrote, not one per row.
    assert sorted(c.log for c in sealers) == ["login", "operation"]
    seqs = [_seq(r) for r in rows]
    assert seqs == sorted(seqs) and seqs[-1] - seqs[0] == 2
    ok, out = _verify()
    assert ok, out


def test_a_rolled_back_append_leaves_nothing_to_seal(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _logins(1, "gone", sealed=False)
            raise RuntimeError
        kept = _logins(1, "kept", sealed=False)[0]
    # The rolled-back savepoint took its sealer with it; the later append registered its own.
    assert [c.log for c in callbacks if isinstance(c, auditchain._SealAfterCommit)] == ["login"]
    assert not LoginLog.objects.filter(username__startswith="gone").exists()
    assert _seq_or_none(kept) is not None


def test_row_edited_before_sealing_is_caught_by_its_row_mac(world):
    rows = _logins(3, sealed=False)
    LoginLog.objects.filter(pk=rows[1].pk).update(message="封存前改过")
    done = auditchain.seal("login")
    # The sealer leaves it out of the chain; the others are sealed and chain on each other.
    assert (done.sealed, done.refused) == (2, 1)
    assert _seq_or_none(rows[1]) is None
    ok, out = _verify("--log", "login")
    assert not ok
    assert f"id={rows[1].pk} 未封存，内容被修改（与行校验码不符）" in out
    assert out.count("id=") == 1


def test_row_mac_of_a_sealed_row_is_checked(world):
    rows = _logins(3)
    LoginLog.objects.filter(pk=rows[2].pk).update(row_mac="0" * 64)
    ok, out = _verify("--log", "login")
    assert not ok and f"第 {_seq(rows[2])} 条（id={rows[2].pk}）的行校验码被改动" in out


def test_an_unsealed_old_row_is_reported_and_the_periodic_sealer_seals_it(world):
    grace = auditchain.seal_grace()
    stale = LoginLog.objects.create(
        username="stale", status="success", time=timezone.now() - grace - timedelta(minutes=1)
    )
    fresh = LoginLog.objects.create(username="fresh", status="success")
    ok, out = _verify("--log", "login")
    assert not ok
    minutes = int(grace.total_seconds() // 60)
    assert f"id={stale.pk} 未封存（写入已超过 {minutes} 分钟）" in out
    # A row just written is being sealed after its commit: not a finding.
    assert f"id={fresh.pk}" not in out
    jobs = {job.name: job.func for job in periodic.registered()}
    jobs["audit_chain_seal"]()
    assert _seq_or_none(stale) is not None and _seq_or_none(fresh) is not None
    ok, out = _verify("--log", "login")
    assert ok, out


def test_chain_order_is_the_sealing_order(world):
    """A transaction that commits late gets positions after rows with higher ids."""
    late = LoginLog.objects.create(username="late", status="success")
    # Until its commit the row is invisible to the sealer; here it is hidden by taking its MAC.
    mac = late.row_mac
    LoginLog.objects.filter(pk=late.pk).update(row_mac="")
    early = _logins(2, "early")
    LoginLog.objects.filter(pk=late.pk).update(row_mac=mac)
    auditchain.seal("login")
    assert _seq(late) > _seq(early[1]) > _seq(early[0])
    assert late.pk < early[0].pk
    ok, out = _verify("--log", "login")
    assert ok, out


@pytest.mark.django_db(transaction=True)
def test_log_and_business_writes_in_opposite_orders_do_not_deadlock(world):
    """T1 writes a log row then updates a business row; T2 updates that row then writes a log
    row. With the head locked in the business transaction this was a deadlock."""
    org = world.county_a1
    orgs = type(org).objects
    barrier = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def t1() -> None:
        with transaction.atomic():
            LoginLog.objects.create(username="t1", status="success")
            barrier.wait()
            orgs.filter(pk=org.pk).update(short_name="甲")

    def t2() -> None:
        with transaction.atomic():
            orgs.filter(pk=org.pk).update(short_name="乙")
            barrier.wait()
            LoginLog.objects.create(username="t2", status="success")

    def run(func: Any) -> None:
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '10s'")
            func()
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=run, args=(f,)) for f in (t1, t2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:  # SQLite: one writer at a time (the database lock); the two run one after the other
        barrier = threading.Barrier(1)
        run(t2)
        run(t1)
    assert errors == []
    assert orgs.get(pk=org.pk).short_name in {"甲", "乙"}
    seqs = dict(
        LoginLog.objects.filter(username__in=["t1", "t2"]).values_list("username", "chain_seq")
    )
    assert set(seqs) == {"t1", "t2"} and None not in seqs.values()
    ok, out = _verify("--log", "login")
    assert ok, out


# ------------------------------------------------------------------------------------ export


def _export(client: Any, user: Any, **params: Any) -> Any:
    client.force_login(user)
    return client.get(reverse("core:audit_export"), params)


def _body(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


def test_auditor_exports_a_file_that_verifies_and_is_logged(world, client, tmp_path):
    _logins(4)
    response = _export(client, world.auditor, log="login", since=1)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = _body(response).splitlines()
    header = json.loads(lines[0])
    assert header["log"] == "login" and len(lines) - 1 == header["to_seq"]
    assert {json.loads(x)["content"]["username"] for x in lines[1:]} >= {"u0", "u3"}
    logged = OperationLog.objects.filter(
        business_type=BusinessType.EXPORT, module="日志审计", user=world.auditor
    )
    assert logged.count() == 1 and "登录日志" in logged.get().action
    path = tmp_path / "login.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok, out = _verify("--file", str(path))
    assert ok, out


def _tampered(lines: list[str], index: int, **content: Any) -> list[str]:
    item = json.loads(lines[index])
    item["content"].update(content)
    return [*lines[:index], json.dumps(item, ensure_ascii=False), *lines[index + 1 :]]


def test_tampered_export_file_fails(world, client, tmp_path: Path):
    _logins(4)
    lines = _body(_export(client, world.auditor, log="login")).splitlines()
    item = json.loads(lines[2])
    path = tmp_path / "edited.jsonl"
    path.write_text("\n".join(_tampered(lines, 2, message="改过")), encoding="utf-8")
    ok, out = _verify("--file", str(path))
    assert not ok and f"第 {item['seq']} 条（id={item['id']}）内容被修改" in out
    path.write_text("\n".join(lines[:2] + lines[3:]), encoding="utf-8")
    ok, out = _verify("--file", str(path))
    assert not ok and "之前缺少 1 条（被删除）" in out
    path.write_text("not a file\n", encoding="utf-8")
    ok, out = _verify("--file", str(path))
    assert not ok and "不是" in out


def test_export_from_a_position_verifies_on_its_own(world, client, tmp_path):
    rows = _logins(5)
    since = _seq(rows[2])
    lines = _body(_export(client, world.auditor, log="login", since=since)).splitlines()
    assert json.loads(lines[1])["seq"] == since
    path = tmp_path / "part.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert _verify("--file", str(path))[0]


@pytest.mark.parametrize("code", ["system_admin", "security_admin"])
def test_other_administrators_cannot_export(world, client, code):
    admin = admin_user(f"x_{code}", world.province, code)
    assert _export(client, admin, log="login").status_code == 403
    assert client.get(reverse("core:audit_chain")).status_code == 403
    assert not OperationLog.objects.filter(module="日志审计").exists()


def test_business_users_cannot_export(world, client):
    assert _export(client, world.province_admin, log="change").status_code == 403


def test_bad_export_requests_are_refused_with_the_field(world, client):
    response = _export(client, world.auditor, log="secrets")
    assert response.status_code == 400 and "日志" in response.content.decode()
    response = _export(client, world.auditor, log="login", since="-3")
    assert response.status_code == 400 and "起始序号" in response.content.decode()
    response = _export(client, world.auditor, log="login", since="abc")
    assert response.status_code == 400 and "起始序号" in response.content.decode()


def test_auditor_sees_the_chain_page(world, client):
    client.force_login(world.auditor)
    response = client.get(reverse("core:audit_chain"))
    assert response.status_code == 200 and "导出" in response.content.decode()


# --------------------------------------------------------------------------------- retention


def test_retention_below_the_floor_stops_the_start():
    with override_settings(JIANGQIAO_LOG_RETENTION_DAYS=90):
        errors = auditchain.retention_check()
        assert [e.id for e in errors] == ["jiangqiao.audit.E001"]
        assert errors[0].level == checks.ERROR and "180" in errors[0].msg
        with pytest.raises(SystemCheckError, match=r"jiangqiao\.audit\.E001"):
            call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    with override_settings(JIANGQIAO_LOG_RETENTION_DAYS=180):
        assert auditchain.retention_check() == []


def test_purge_keeps_the_chain_verifiable(world):
    old_time = timezone.now() - timedelta(days=200)
    old = [
        LoginLog.objects.create(username=f"old{i}", status="success", time=old_time)
        for i in range(3)
    ]
    young = _logins(2, "young")
    call_command("prune_logs", "--older-than", "180", stdout=io.StringIO())
    assert not LoginLog.objects.filter(pk__in=[r.pk for r in old]).exists()
    state = AuditChainState.objects.get(log="login")
    assert state.anchor_seq == _seq(young[0]) - 1
    ok, out = _verify()
    assert ok, out
    _logins(1, "later")
    assert _verify("--log", "login")[0]
    # Moving the anchor forward to hide deleted rows is seen: its MAC no longer fits.
    AuditChainState.objects.filter(log="login").update(anchor_seq=state.anchor_seq + 1)
    ok, out = _verify("--log", "login")
    assert not ok and "清理锚点被改动" in out


def test_purge_stops_at_the_first_young_row(world):
    old_time = timezone.now() - timedelta(days=200)
    LoginLog.objects.create(username="old0", status="success", time=old_time)
    young = LoginLog.objects.create(username="young", status="success")
    LoginLog.objects.create(username="old1", status="success", time=old_time)
    call_command("prune_logs", stdout=io.StringIO())
    # The old row after the young one stays: only a prefix of the chain goes.
    assert set(LoginLog.objects.values_list("username", flat=True)) >= {"young", "old1"}
    assert AuditChainState.objects.get(log="login").anchor_seq == _seq(young) - 1
    assert _verify("--log", "login")[0]


def test_purge_refuses_when_the_rows_to_delete_were_tampered_with(world):
    old_time = timezone.now() - timedelta(days=200)
    rows = [
        LoginLog.objects.create(username=f"old{i}", status="success", time=old_time)
        for i in range(3)
    ]
    auditchain.seal("login")
    LoginLog.objects.filter(pk=rows[1].pk).update(username="someone_else")
    with pytest.raises(CommandError, match="内容被修改"):
        call_command("prune_logs", stdout=io.StringIO())
    assert LoginLog.objects.filter(pk=rows[0].pk).exists()


def test_purge_never_goes_below_the_floor(world):
    with pytest.raises(ValueError, match="180"):
        auditchain.purge("login", timezone.now() - timedelta(days=179))


# ----------------------------------------------------------------------------- periodic check


def test_periodic_check_notifies_security_and_audit_once_and_shows_on_the_panel(world, client):
    security = admin_user("sec_chain", world.province, "security_admin")
    system = admin_user("sys_chain", world.province, "system_admin")
    rows = _logins(3)
    reports = check_audit_chains()
    assert all(r.ok for r in reports)
    assert not Notification.objects.filter(title__contains="审计日志").exists()
    LoginLog.objects.filter(pk=rows[1].pk).update(message="改过")
    check_audit_chains()
    told = set(
        Notification.objects.filter(title__contains="登录日志").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"sec_chain", "auditor"} <= told and "sys_chain" not in told
    assert system.username not in told
    body = Notification.objects.filter(recipient=security).latest("pk").body
    assert f"（id={rows[1].pk}）内容被修改" in body
    check_audit_chains()  # the same finding again: nobody is told twice
    assert Notification.objects.filter(recipient=security, title__contains="登录日志").count() == 1
    client.force_login(world.auditor)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-chain="login"' in html and "被篡改" in html
