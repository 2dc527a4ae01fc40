"""Date rules where users expect them (issue 14, point 5), each with a field-named message.

The rules live in ``core.validators`` and run in the models' ``clean()`` (pages, API and imports
all save through the services' ``full_clean()``); a value checked only when new or changed.
Page and API checks per field are in the apps' tests (``demands/tests/test_date_rules.py``,
``talents/tests/test_date_rules.py``, ``casework/tests/test_sessions.py``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from jiangqiao.core.validators import validate_date_between, validate_date_rule

TODAY = dt.date(2026, 3, 15)


def message(value: object, rule: str, label: str = "字段") -> str:
    with pytest.raises(ValidationError) as caught:
        validate_date_rule(value, rule, label=label, today=TODAY)
    return caught.value.messages[0]


def test_not_past() -> None:
    validate_date_rule(TODAY, "not_past", label="期望完成日期", today=TODAY)
    assert message(dt.date(2020, 1, 1), "not_past", "期望完成日期") == (
        "期望完成日期不能早于今天（2026-03-15）"
    )


def test_within_years_uses_the_setting() -> None:
    validate_date_rule(dt.date(2031, 3, 15), "within_years", label="x", today=TODAY)
    assert "最多 5 年后" in message(dt.date(2099, 12, 31), "within_years", "期望完成日期")
    with override_settings(JIANGQIAO_DATE_MAX_YEARS_AHEAD=1):
        assert message(dt.date(2027, 3, 16), "within_years", "期望完成日期").startswith(
            "期望完成日期不能晚于 2027-03-15"
        )


def test_not_future_and_future_and_year() -> None:
    validate_date_rule(TODAY, "not_future", label="发证日期", today=TODAY)
    assert message(dt.date(2030, 1, 1), "not_future", "发证日期").startswith("发证日期不能晚于今天")
    validate_date_rule(TODAY + dt.timedelta(days=1), "future", label="暂停服务至", today=TODAY)
    for day in (TODAY, dt.date(2019, 1, 1)):
        assert message(day, "future", "暂停服务至").startswith("暂停服务至应晚于今天")
    validate_date_rule(2026, "year_not_future", label="获得年份", today=TODAY)
    assert message(2027, "year_not_future", "获得年份") == "获得年份不能晚于今年（2026）"


def test_empty_values_pass_and_unknown_rules_fail_loudly() -> None:
    validate_date_rule(None, "future", label="x", today=TODAY)
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        validate_date_rule(TODAY, "someday", label="x", today=TODAY)


def test_between_submission_and_today() -> None:
    earliest = dt.date(2026, 1, 10)
    for day in (earliest, TODAY):
        validate_date_between(
            day, label="服务日期", earliest=earliest, earliest_label="需求提交日期", today=TODAY
        )
    with pytest.raises(ValidationError, match="服务日期不能早于需求提交日期（2026-01-10）"):
        validate_date_between(
            dt.date(2026, 1, 9),
            label="服务日期",
            earliest=earliest,
            earliest_label="需求提交日期",
            today=TODAY,
        )
    with pytest.raises(ValidationError, match="服务日期不能晚于今天"):
        validate_date_between(
            TODAY + dt.timedelta(days=1),
            label="服务日期",
            earliest=earliest,
            earliest_label="需求提交日期",
            today=TODAY,
        )
