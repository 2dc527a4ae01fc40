"""The working-day calendar (``core.workdays``): built-in 国务院办公厅 schedule, overrides, deadlines,
the per-process cache, the 工作日历 pages and their permissions (三员分立), the bulk entry."""

from __future__ import annotations

import datetime as dt
import logging
from io import StringIO
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from jiangqiao.accounts.duties import Duty, duties_of
from jiangqiao.accounts.models import Role
from jiangqiao.core import services, workdays
from jiangqiao.core.models import CalendarDay, ChangeLog, OperationLog
from jiangqiao.core.navigation import menu_for
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import admin_user, make_user

D = dt.date
SHANGHAI = workdays.CALENDAR_TZ
#: A year no release of the package will know for a long while.
UNKNOWN_YEAR = 2031

NOTICE_2031 = """
# 国务院办公厅关于2031年部分节假日安排的通知（节选）
2031-10-01..2031-10-07 国庆节 休
2031-09-28 调休上班
2031-10-11 调休上班 国办发明电〔2030〕9号
"""


# ---------------------------------------------------------------------------------------------
# The built-in calendar: 2025 国庆 (10-01..10-08, with 中秋 on 10-06), 调休 on 09-28 and 10-11


@pytest.mark.django_db
def test_2025_national_day_holidays_and_makeup_working_weekends():
    for day in range(1, 9):
        assert not workdays.is_workday(D(2025, 10, day)), day
    assert workdays.is_workday(D(2025, 9, 28))  # Sunday, 调休上班
    assert workdays.is_workday(D(2025, 10, 11))  # Saturday, 调休上班
    assert not workdays.is_workday(D(2025, 9, 27))  # an ordinary Saturday
    assert workdays.is_workday(D(2025, 10, 9))
    info = workdays.day_info(D(2025, 10, 1))
    assert (info.name, info.source_label, info.is_workday) == ("国庆节", "内置", False)
    assert workdays.day_info(D(2025, 9, 28)).name == "调休上班"
    assert workdays.calendar_known(2025)


@pytest.mark.django_db
def test_add_workdays_over_the_national_day_holiday():
    assert workdays.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert workdays.add_workdays(D(2025, 9, 30), 2) == D(2025, 10, 10)
    assert workdays.add_workdays(D(2025, 9, 30), 3) == D(2025, 10, 11)  # Saturday, 调休上班


@pytest.mark.django_db
def test_span_from_2025_09_26_counts_the_makeup_sunday():
    start = D(2025, 9, 26)  # Friday
    assert workdays.add_workdays(start, 1) == D(2025, 9, 28)  # not 09-29: Sunday 09-28 is worked
    assert workdays.add_workdays(start, 3) == D(2025, 9, 30)
    assert workdays.add_workdays(start, 4) == D(2025, 10, 9)
    assert workdays.workdays_between(start, D(2025, 10, 9)) == 4
    assert workdays.workdays_between(D(2025, 10, 9), start) == -4
    assert workdays.workdays_between(start, start) == 0
    for n in range(1, 12):
        assert workdays.workdays_between(start, workdays.add_workdays(start, n)) == n


@pytest.mark.django_db
def test_zero_and_negative_counts():
    assert workdays.add_workdays(D(2025, 10, 3), 0) == D(2025, 10, 9)  # holiday → next working day
    assert workdays.add_workdays(D(2025, 9, 30), 0) == D(2025, 9, 30)
    assert workdays.add_workdays(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert workdays.add_workdays(D(2025, 9, 29), -1) == D(2025, 9, 28)


@pytest.mark.django_db
def test_a_moment_is_due_at_the_end_of_the_nth_working_day_in_shanghai():
    late = dt.datetime(2025, 9, 30, 23, 30, tzinfo=SHANGHAI)
    due = workdays.add_workdays(late, 1)
    assert due == dt.datetime(2025, 10, 9, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    # The hour does not matter, only the Shanghai calendar day of the start.
    assert workdays.add_workdays(dt.datetime(2025, 9, 30, 0, 5, tzinfo=SHANGHAI), 1) == due
    # 2025-09-26 16:30 UTC is 2025-09-27 00:30 in Shanghai: a Saturday, so the next working day
    # (Sunday 09-28, 调休上班) is the first.
    utc = dt.datetime(2025, 9, 26, 16, 30, tzinfo=dt.UTC)
    assert workdays.add_workdays(utc, 1).date() == D(2025, 9, 28)
    assert workdays.is_workday(utc) is False
    # A naive datetime is Shanghai time.
    assert workdays.add_workdays(dt.datetime(2025, 9, 26, 16, 30), 1).date() == D(2025, 9, 28)


# ---------------------------------------------------------------------------------------------
# Overrides and the per-process cache


@pytest.mark.django_db
def test_an_override_changes_the_result_at_once_and_deleting_it_restores_the_package(world):
    assert workdays.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)  # warms the cache
    day = services.calendarday_create(
        actor=world.superuser, date=D(2025, 10, 9), is_workday=False, name="防台风停工"
    )
    assert not workdays.is_workday(D(2025, 10, 9))
    assert workdays.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 10)
    info = workdays.day_info(D(2025, 10, 9))
    assert (info.name, info.source_label, info.override_id) == ("防台风停工", "人工", day.pk)
    services.calendarday_update(
        actor=world.superuser, day=day, date=D(2025, 10, 8), is_workday=True, name="调休上班"
    )
    assert workdays.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 8)
    services.calendarday_delete(actor=world.superuser, day=day)
    assert workdays.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)


@pytest.mark.django_db
def test_warm_lookups_run_no_query(django_assert_num_queries):
    workdays.is_workday(D(2025, 10, 9))
    with django_assert_num_queries(0):
        for day in range(1, 30):
            workdays.add_workdays(D(2025, 9, day), 5)
            workdays.is_workday(D(2025, 9, day))


@pytest.mark.django_db
def test_another_process_change_is_seen_once_the_cache_version_moves():
    # bulk_create/update send no signal: as if another process had written the table.
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=D(2025, 10, 9), is_workday=False, name="停工")]
    )
    assert not workdays.is_workday(D(2025, 10, 9))
    CalendarDay.objects.filter(date=D(2025, 10, 9)).update(is_workday=True)
    assert not workdays.is_workday(D(2025, 10, 9))  # this process's copy
    with override_settings(JIANGQIAO_WORKDAYS_RECHECK_SECONDS=0):
        assert not workdays.is_workday(D(2025, 10, 9))  # the version did not move
        cache.set(workdays.VERSION_KEY, 12345)  # the other process's save bumped it
        assert workdays.is_workday(D(2025, 10, 9))


@pytest.mark.django_db
def test_a_save_bumps_the_shared_version(world):
    before = cache.get(workdays.VERSION_KEY)
    services.calendarday_create(
        actor=world.superuser, date=D(2025, 10, 9), is_workday=False, name="停工"
    )
    assert cache.get(workdays.VERSION_KEY) != before


# ---------------------------------------------------------------------------------------------
# Unknown years


@pytest.mark.django_db
def test_unknown_year_falls_back_to_monday_to_friday_and_warns_once(world, caplog):
    caplog.set_level(logging.WARNING, logger="jiangqiao.core.workdays")
    assert not workdays.calendar_known(UNKNOWN_YEAR)
    assert workdays.is_workday(D(UNKNOWN_YEAR, 10, 1))  # a Wednesday: no holiday known
    assert not workdays.is_workday(D(UNKNOWN_YEAR, 10, 4))  # Saturday
    assert workdays.add_workdays(D(UNKNOWN_YEAR, 10, 3), 1) == D(UNKNOWN_YEAR, 10, 6)
    workdays.is_workday(D(UNKNOWN_YEAR, 10, 2))
    warnings = [r for r in caplog.records if f"{UNKNOWN_YEAR}年节假日安排尚未录入" in r.message]
    assert len(warnings) == 1
    services.calendarday_bulk_apply(actor=world.superuser, text=NOTICE_2031)
    assert workdays.calendar_known(UNKNOWN_YEAR)
    assert not workdays.is_workday(D(UNKNOWN_YEAR, 10, 1))
    assert workdays.is_workday(D(UNKNOWN_YEAR, 9, 28))  # Sunday, 调休上班
    assert workdays.add_workdays(D(UNKNOWN_YEAR, 9, 30), 1) == D(UNKNOWN_YEAR, 10, 8)


# ---------------------------------------------------------------------------------------------
# Bulk entry


@pytest.mark.django_db
def test_bulk_entry_reads_the_notice_and_updates_entered_dates(world):
    result = services.calendarday_bulk_apply(
        actor=world.superuser, text=NOTICE_2031, note="国办发明电〔2030〕9号"
    )
    assert result == {"created": 9, "updated": 0, "unchanged": 0, "years": [UNKNOWN_YEAR]}
    row = CalendarDay.objects.get(date=D(UNKNOWN_YEAR, 10, 3))
    assert (row.name, row.is_workday, row.source) == ("国庆节", False, "manual")
    assert row.note == "国办发明电〔2030〕9号"
    assert CalendarDay.objects.get(date=D(UNKNOWN_YEAR, 9, 28)).is_workday
    again = services.calendarday_bulk_apply(
        actor=world.superuser,
        text="2031-10-01..2031-10-07 国庆节 休\n2031/10/8 国庆节 放假",
        note="国办发明电〔2030〕9号",
    )
    assert again == {"created": 1, "updated": 0, "unchanged": 7, "years": [UNKNOWN_YEAR]}
    assert OperationLog.objects.filter(module="工作日历", business_type="import").count() == 2
    assert (
        ChangeLog.objects.filter(
            content_type=ContentType.objects.get_for_model(CalendarDay), action="create"
        ).count()
        == 10
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-30 春节 休", "第1行：日期 2027-02-30 不存在"),
        ("2027-10-07..2027-10-01 国庆节 休", "第1行：结束日期 2027-10-01 早于开始日期 2027-10-07"),
        ("2027-10-01..2028-10-07 国庆节 休", "一行最多31天"),
        ("十月一日 国庆节 休", "第1行：无法识别日期“十月一日”"),
        ("2027-10-01", "第1行：缺少名称"),
        ("2027-10-01 国庆节", "第1行：请在名称后写明“休”或“班”"),
        ("2027-10-01 国庆节 放", "（写的是“放”）"),
        ("2027-09-26 调休上班 休", "第1行：名称“调休上班”是上班，却标为“休”"),
        (
            "\n2027-10-01..2027-10-07 国庆节 休\n2027-10-07 调休上班",
            "第3行：2027-10-07 已在第2行出现",
        ),
        ("# 只有注释\n\n", "没有可录入的日期"),
    ],
)
def test_bad_bulk_lines_are_named_in_chinese(text, message):
    with pytest.raises(services.CalendarInputError) as caught:
        services.parse_calendar_lines(text)
    assert any(message in e for e in caught.value.errors), caught.value.errors


def test_bulk_accepts_full_width_and_chinese_date_forms():
    days = services.parse_calendar_lines(
        "２０２７年１０月１日至２０２７年１０月３日　国庆节　休\n2027.9.26 调休上班\n2027-10-09 调休 班"
    )
    assert [d.date for d in days] == [
        D(2027, 10, 1),
        D(2027, 10, 2),
        D(2027, 10, 3),
        D(2027, 9, 26),
        D(2027, 10, 9),
    ]
    assert [d.is_workday for d in days] == [False, False, False, True, True]


@pytest.mark.django_db
def test_bad_bulk_input_saves_nothing(world):
    with pytest.raises(services.CalendarInputError) as caught:
        services.calendarday_bulk_apply(
            actor=world.superuser, text="2031-10-01..2031-10-07 国庆节 休\n2031-13-01 元旦 休"
        )
    assert caught.value.errors == ["第2行：日期 2031-13-01 不存在"]
    assert not CalendarDay.objects.exists()


# ---------------------------------------------------------------------------------------------
# The management command


@pytest.mark.django_db
def test_workdays_check_prints_the_year(world):
    out = StringIO()
    call_command("workdays_check", "2025", stdout=out)
    text = out.getvalue()
    assert "2025年节假日安排：已知（内置日历）" in text
    assert "2025-10-01 星期三 休 国庆节［内置］" in text
    assert "2025-09-28 星期日 班 调休上班［内置］" in text
    err = StringIO()
    call_command("workdays_check", str(UNKNOWN_YEAR), stdout=StringIO(), stderr=err)
    assert f"{UNKNOWN_YEAR}年节假日安排尚未录入" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("workdays_check", str(UNKNOWN_YEAR), "--strict", stdout=StringIO())
    services.calendarday_bulk_apply(actor=world.superuser, text=NOTICE_2031)
    out = StringIO()
    call_command("workdays_check", str(UNKNOWN_YEAR), "--strict", stdout=out)
    assert "已知（人工录入）" in out.getvalue()
    assert "2031-10-11 星期六 班 调休上班［人工］  国办发明电〔2030〕9号" in out.getvalue()


# ---------------------------------------------------------------------------------------------
# Pages and permissions (三员分立: the calendar is system configuration)


class TestCalendarPages(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.sysadmin = admin_user("sysadm", self.world.province, "system_admin")
        self.secadmin = admin_user("secadm", self.world.province, "security_admin")
        self.auditadmin = admin_user("audadm", self.world.province, "audit_admin")
        self.clerk = make_user("clerk", self.world.county_a1, Role.objects.get(code="union_staff"))
        self.list_url = reverse("core:calendarday_list")

    def test_calendar_configuration_is_the_system_duty(self) -> None:
        for perm in ("core.add_calendarday", "core.change_calendarday", "core.delete_calendarday"):
            assert duties_of({perm}) == {Duty.SYSTEM}
        assert self.sysadmin.has_perm("core.change_calendarday")

    def test_year_page_shows_the_grid_the_holidays_and_their_source(self) -> None:
        self.login(self.sysadmin)
        response = self.client.get(self.list_url, {"year": 2025})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        assert "工作日历 · 2025年" in html and "10月" in html
        assert "2025-10-01" in html and "国庆节" in html and "调休上班" in html and "内置" in html
        assert "尚未录入" not in html
        unknown = self.client.get(self.list_url, {"year": UNKNOWN_YEAR}).content.decode()
        assert f"{UNKNOWN_YEAR}年节假日安排尚未录入" in unknown
        assert self.client.get(self.list_url, {"year": "abc"}).status_code == 200

    def test_system_admin_adds_edits_and_deletes_an_override(self) -> None:
        self.login(self.sysadmin)
        create = reverse("core:calendarday_create")
        form = self.client.get(create, {"date": "2025-10-09"})
        self.assertEqual(form.status_code, 200)
        self.assertEqual(form.context["form"].initial["kind"], "holiday")
        response = self.client.post(
            create, {"date": "2025-10-09", "kind": "holiday", "name": "防台风停工", "note": ""}
        )
        self.assertEqual(response.status_code, 302)
        day = CalendarDay.objects.get(date=D(2025, 10, 9))
        self.assertEqual(response["Location"], f"{self.list_url}?year=2025")
        assert workdays.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 10)
        assert ChangeLog.objects.filter(
            content_type=ContentType.objects.get_for_model(CalendarDay),
            object_id=str(day.pk),
            action="create",
            user=self.sysadmin,
        ).exists()
        assert OperationLog.objects.filter(module="工作日历", user=self.sysadmin).exists()
        listing = self.client.get(self.list_url, {"year": 2025}).content.decode()
        assert "防台风停工" in listing and "人工" in listing
        clash = self.client.post(
            create, {"date": "2025-10-09", "kind": "workday", "name": "调休上班"}
        )
        self.assertContains(clash, "2025-10-09 已有调整记录", status_code=400)
        edit = reverse("core:calendarday_edit", args=[day.pk])
        self.assertEqual(self.client.get(edit).status_code, 200)
        response = self.client.post(
            edit, {"date": "2025-10-09", "kind": "workday", "name": "照常上班", "note": "文号"}
        )
        self.assertEqual(response.status_code, 302)
        day.refresh_from_db()
        assert (day.is_workday, day.name, day.note) == (True, "照常上班", "文号")
        response = self.client.post(reverse("core:calendarday_delete", args=[day.pk]))
        self.assertEqual(response.status_code, 302)
        assert not CalendarDay.objects.exists()
        assert ChangeLog.objects.filter(object_id=str(day.pk), action="delete").exists()

    def test_bulk_page_enters_the_notice_and_names_bad_lines(self) -> None:
        self.login(self.sysadmin)
        url = reverse("core:calendarday_bulk")
        self.assertEqual(self.client.get(url).status_code, 200)
        bad = self.client.post(
            url,
            {"lines": "2031-10-01..2031-10-07 国庆节 休\n2031-10-08 国庆节\n2031-02-30 春节 休"},
        )
        self.assertEqual(bad.status_code, 400)
        html = bad.content.decode()
        assert "第2行：请在名称后写明“休”或“班”" in html
        assert "第3行：日期 2031-02-30 不存在" in html
        assert not CalendarDay.objects.exists()
        good = self.client.post(url, {"lines": NOTICE_2031, "note": "国办发明电〔2030〕9号"})
        self.assertEqual(good.status_code, 302)
        self.assertEqual(good["Location"], f"{self.list_url}?year={UNKNOWN_YEAR}")
        assert CalendarDay.objects.count() == 9
        assert workdays.calendar_known(UNKNOWN_YEAR)

    def test_clerk_reads_the_calendar_but_cannot_change_it(self) -> None:
        day = services.calendarday_create(
            actor=self.sysadmin, date=D(2025, 10, 9), is_workday=False, name="停工"
        )
        self.login(self.clerk)
        self.assertEqual(self.client.get(self.list_url).status_code, 200)
        self.assertNotContains(self.client.get(self.list_url, {"year": 2025}), "新增调整")
        self._assert_no_write_access(day)
        with pytest.raises(PermissionDenied):
            services.calendarday_create(
                actor=self.clerk, date=D(2025, 10, 10), is_workday=False, name="停工"
            )
        with pytest.raises(PermissionDenied):
            services.calendarday_bulk_apply(actor=self.clerk, text=NOTICE_2031)

    def test_security_and_audit_admins_cannot_see_or_change_the_calendar(self) -> None:
        day = services.calendarday_create(
            actor=self.sysadmin, date=D(2025, 10, 9), is_workday=False, name="停工"
        )
        for user in (self.secadmin, self.auditadmin):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(self.list_url).status_code, 403)
                self._assert_no_write_access(day)
                with pytest.raises(PermissionDenied):
                    services.calendarday_delete(actor=user, day=day)
        assert CalendarDay.objects.filter(pk=day.pk, name="停工").exists()

    def test_the_calendar_is_global_configuration_read_with_the_permission_only(self) -> None:
        services.calendarday_create(
            actor=self.sysadmin, date=D(2025, 10, 9), is_workday=False, name="停工"
        )
        grassroots = make_user(
            "clerk_gr", self.world.grassroots_a1, Role.objects.get(code="union_staff")
        )
        for user in (self.clerk, grassroots, self.sysadmin):
            assert CalendarDay.objects.visible_to(user).count() == 1
        assert not CalendarDay.objects.visible_to(self.clerk, "change").exists()
        assert CalendarDay.objects.visible_to(self.sysadmin, "change").count() == 1
        for user in (self.secadmin, self.auditadmin):
            assert not CalendarDay.objects.visible_to(user).exists()

    def test_menu_shows_the_calendar_to_whom_may_read_it(self) -> None:
        def labels(user: Any) -> set[str]:
            return {item["label"] for group in menu_for(user) for item in group["items"]}

        assert "工作日历" in labels(self.sysadmin)
        assert "工作日历" in labels(self.clerk)
        assert "工作日历" not in labels(self.secadmin)
        assert "工作日历" not in labels(self.auditadmin)

    def _assert_no_write_access(self, day: CalendarDay) -> None:
        create = reverse("core:calendarday_create")
        edit = reverse("core:calendarday_edit", args=[day.pk])
        delete = reverse("core:calendarday_delete", args=[day.pk])
        bulk = reverse("core:calendarday_bulk")
        self.assertEqual(self.client.get(create).status_code, 403)
        data = {"date": "2025-10-10", "kind": "holiday", "name": "停工"}
        self.assertEqual(self.client.post(create, data).status_code, 403)
        self.assertEqual(self.client.post(edit, data).status_code, 403)
        self.assertEqual(self.client.post(delete).status_code, 403)
        self.assertEqual(self.client.post(bulk, {"lines": NOTICE_2031}).status_code, 403)
        assert CalendarDay.objects.count() == 1


@pytest.mark.django_db
def test_without_a_shared_cache_a_process_reloads_after_the_max_age():
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=D(2025, 10, 9), is_workday=False, name="停工")]
    )
    assert not workdays.is_workday(D(2025, 10, 9))
    CalendarDay.objects.filter(date=D(2025, 10, 9)).update(is_workday=True)
    with override_settings(
        JIANGQIAO_WORKDAYS_RECHECK_SECONDS=0, JIANGQIAO_WORKDAYS_MAX_AGE_SECONDS=0
    ):
        assert workdays.is_workday(D(2025, 10, 9))


@pytest.mark.django_db
def test_once_the_write_commits_lookups_are_cached_again(
    world, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        services.calendarday_create(
            actor=world.superuser, date=D(2025, 10, 9), is_workday=False, name="停工"
        )
        # Not committed yet: read afresh (a rollback must not leave the row in the cache).
        with django_assert_num_queries(1):
            assert not workdays.is_workday(D(2025, 10, 9))
    assert workdays._state.pending == 0
    workdays.is_workday(D(2025, 10, 9))
    with django_assert_num_queries(0):
        assert workdays.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 10)
