"""The change log in words: every kind of value is shown as a user reads it, never as a code."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiangqiao.casework.session_models import ServiceRecord
from jiangqiao.core.audit_names import name_changes
from jiangqiao.core.audit_values import EMPTY, RETIRED, is_hidden, render_values, source_label
from jiangqiao.core.context import request_source
from jiangqiao.core.models import ChangeLog
from jiangqiao.demands.models import Demand
from jiangqiao.talents.models import Craftsman
from jiangqiao.talents.tests.helpers import make_craftsman
from jiangqiao.taxonomy.selectors import term_label

pytestmark = pytest.mark.django_db


def one(model, name, value):
    return render_values([(model, name, value)])[0]


def test_choices_read_as_the_current_label_and_retired_codes_say_so():
    assert one(Demand, "status", "closed") == "已办结"
    assert one(Demand, "status", "confirmed") == "企业已确认"
    assert one(Demand, "grade", "b") == "B级"
    assert one(Demand, "delivery_mode", "onsite") != "onsite"
    assert one(Demand, "status", "gone_away") == f"gone_away{RETIRED}"


def test_term_codes_read_as_term_labels():
    assert one(Craftsman, "skill_level", "technician") == term_label("skill_level", "technician")
    assert one(Craftsman, "skill_level", "technician") != "technician"
    industries = one(Craftsman, "industries", ["3411"])
    assert industries == term_label("industry", "3411") and industries != "3411"
    regions = one(Craftsman, "regions_served", ["440305", "440306"])
    assert "、" in regions and "440305" not in regions


def test_booleans_dates_and_times():
    assert one(Craftsman, "cross_region_ok", True) == "是"
    assert one(Craftsman, "cross_region_ok", False) == "否"
    # 08:19 UTC is 16:19 in Shanghai.
    assert one(Demand, "submitted_at", "2026-12-05T08:19:47.924313+00:00") == "2026-12-05 16:19"
    assert one(Demand, "deadline", "2026-12-05") == "2026-12-05"
    assert one(ServiceRecord, "economic_benefit", "12.50") == "12.50"


def test_empty_values():
    for value in (None, "", [], {}):
        assert one(Demand, "grade", value) == EMPTY
        assert one(Demand, "tags", value) == EMPTY


def test_lists_of_dicts_and_unknown_json_never_python_repr():
    problems = [
        {"description": "主轴异响", "result": "solved"},
        {"description": "导轨磨损", "result": "partial"},
    ]
    assert one(ServiceRecord, "problems", problems) == "主轴异响（已解决）；导轨磨损（部分解决）"
    assert one(Demand, "tags", ["焊接", "装配"]) == "焊接；装配"
    assert one(None, "whatever", [{"description": "x", "result": "ok"}]) == "问题：x，结果：ok"
    odd = one(None, "whatever", {"weird": [1, {"a": None}]})
    assert odd == '{"weird":[1,{"a":null}]}'
    for text in (odd, one(Demand, "tags", [{"k": 1}])):
        assert "'" not in text and "None" not in text


def test_technical_fields_are_hidden():
    assert is_hidden(Demand, "id") and is_hidden(Demand, "pk") and is_hidden(None, "version")
    assert is_hidden(Demand, "search_text") and is_hidden(Demand, "description_normalized")
    assert not is_hidden(Demand, "status")


def test_sources_read_in_chinese():
    assert [source_label(s) for s in ("web", "api", "import", "exchange")] == [
        "网页",
        "接口",
        "导入",
        "数据交换",
    ]
    assert source_label("") == "—"

    class Req:
        path = "/api/v1/demands/"

    assert request_source(Req()) == "api"  # type: ignore[arg-type]
    Req.path = "/demands/"
    assert request_source(Req()) == "web"  # type: ignore[arg-type]


def _rows(craftsman, count, org):
    ct = ContentType.objects.get_for_model(Craftsman)
    ChangeLog.objects.bulk_create(
        ChangeLog(
            content_type=ct,
            object_id=str(craftsman.pk),
            object_repr=str(craftsman),
            org=org,
            action="update",
            source="web",
            prechange_data={
                "id": craftsman.pk,
                "status": "active",
                "skill_level": "technician",
                "industries": ["3411"],
                "cross_region_ok": False,
                "org": org.pk,
            },
            postchange_data={
                "id": craftsman.pk,
                "status": "paused",
                "skill_level": "senior_technician",
                "industries": ["3411", "3412"],
                "cross_region_ok": True,
                "org": org.pk,
            },
        )
        for _ in range(count)
    )


def test_a_page_of_change_rows_has_a_bounded_number_of_queries(client, world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    client.force_login(world.city_admin_a)
    url = c.get_absolute_url() + "?tab=changelog"
    _rows(c, 5, world.county_a1)
    client.get(url)  # warm the caches (sessions, term labels)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _rows(c, 50, world.county_a1)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert "暂停服务" in page and "是" in page
    assert not re.search(r"\b(paused|senior_technician|True|False)\b", page.split("变更内容")[-1])
    assert "ID" not in re.sub(r"<[^>]+>", "", page.split("<tbody>")[-1])


def test_name_changes_queries_do_not_grow_with_the_rows(world):
    from django.core.cache import cache

    c = make_craftsman(world.county_a1, world.city_admin_a)

    def count(n):
        ChangeLog.objects.filter(object_id=str(c.pk)).delete()
        _rows(c, n, world.county_a1)
        rows = list(ChangeLog.objects.filter(object_id=str(c.pk)).select_related("content_type"))
        user = type(world.city_admin_a).objects.get(pk=world.city_admin_a.pk)
        cache.clear()  # term labels and scope looked up from the database both times
        with CaptureQueriesContext(connection) as queries:
            name_changes(rows, user)
        return rows, len(queries)

    _, few = count(5)
    rows, many = count(50)
    assert many == few <= 12
    named = rows[0].named_diff
    assert [n for n, *_ in named] == ["cross_region_ok", "industries", "skill_level", "status"]
    assert named[-1][1:] == ("在库", "暂停服务")


def test_the_detail_page_says_where_the_change_came_from(client, world):
    c = make_craftsman(world.county_a1, world.city_admin_a)
    _rows(c, 1, world.county_a1)
    row = ChangeLog.objects.filter(object_id=str(c.pk), source="web").latest("pk")
    client.force_login(world.auditor)
    page = client.get(reverse("core:changelog_detail", args=[row.pk])).content.decode()
    assert "网页" in page and ">web<" not in page
    assert "暂停服务" in page and "paused" not in page


def test_empty_to_empty_on_a_create_is_not_listed(world):
    c = make_craftsman(world.county_a1, world.city_admin_a, consents=())
    created = ChangeLog.objects.filter(object_id=str(c.pk), action="create").latest("pk")
    name_changes([created], world.city_admin_a)
    shown = {name: (before, after) for name, before, after in created.named_diff}
    assert "id" not in shown and "skill_level" in shown
    assert all(after != EMPTY for _, after in shown.values())


def test_operation_log_extras_are_json_not_python(client, world):
    from jiangqiao.core.models import OperationLog
    from jiangqiao.core.operations import record_operation

    record_operation(
        module="需求",
        business_type="other",
        action="测试",
        actor=world.city_admin_a,
        org_id=world.county_a1.pk,
        extra={"ok": True, "note": None, "名称": "主轴"},
    )
    row = OperationLog.objects.latest("pk")
    client.force_login(world.auditor)
    page = client.get(reverse("core:operationlog_detail", args=[row.pk])).content.decode()
    assert "&quot;ok&quot;: true" in page and "主轴" in page
    assert "True" not in page.split("<pre", 1)[-1] and "None" not in page.split("<pre", 1)[-1]
