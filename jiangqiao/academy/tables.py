"""List tables of the academy pages."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from jiangqiao.core.choices import STATUS_COLORS
from jiangqiao.core.tables import BaseTable
from jiangqiao.taxonomy.selectors import term_label

from .choices import (
    ACADEMY_LEVEL_COLORS,
    CLASS_STATUS_COLORS,
    COURSE_STATUS_COLORS,
    ORDER_STATUS_COLORS,
)
from .models import Academy, Alliance, Course, Lecturer, TrainingClass, TrainingOrder

ATTRS = {"class": "table table-vcenter card-table table-hover"}


def _badge(label: Any, color: str) -> Any:
    return format_html('<span class="badge bg-{}-lt">{}</span>', color, label)


class AcademyTable(BaseTable):
    name = tables.Column("名称", linkify=True)
    level = tables.Column("级别")
    academy_type = tables.Column("类型")
    parent = tables.Column("上级学院")
    org = tables.Column("所属工会")
    host_name = tables.Column("依托单位")
    alliance = tables.Column("所属联盟")
    status = tables.Column("状态")

    key_columns = ("name", "level", "status")
    truncate = {"name": "lg", "parent": "md", "org": "md", "host_name": "md", "alliance": "md"}

    class Meta:
        model = Academy
        fields = (
            "name",
            "level",
            "academy_type",
            "parent",
            "org",
            "host_name",
            "alliance",
            "status",
        )
        attrs = ATTRS

    def render_level(self, value: str, record: Academy) -> Any:
        return _badge(value, ACADEMY_LEVEL_COLORS.get(record.level, "secondary"))

    def render_status(self, value: str, record: Academy) -> Any:
        return _badge(value, STATUS_COLORS.get(record.status, "secondary"))


class AllianceTable(BaseTable):
    name = tables.Column("联盟名称", linkify=True)
    org = tables.Column("牵头工会")
    member_count = tables.Column("成员学院数")
    status = tables.Column("状态")

    key_columns = ("name", "member_count", "status")
    truncate = {"name": "lg", "org": "md"}

    class Meta:
        model = Alliance
        fields = ("name", "org", "member_count", "status")
        attrs = ATTRS

    def render_status(self, value: str, record: Alliance) -> Any:
        return _badge(value, STATUS_COLORS.get(record.status, "secondary"))


class LecturerTable(BaseTable):
    name = tables.Column("姓名", accessor="pk", linkify=True, order_by=("name", "craftsman__name"))
    kind = tables.Column("来源")
    title = tables.Column("职称/头衔")
    academy = tables.Column("聘任学院")
    course_count = tables.Column("授课数")
    shared = tables.BooleanColumn(verbose_name="联盟共享", yesno="是,否")
    status = tables.Column("状态")

    key_columns = ("name", "academy", "status")
    truncate = {"title": "md", "academy": "md"}

    class Meta:
        model = Lecturer
        fields = ("name", "kind", "title", "academy", "course_count", "shared", "status")
        attrs = ATTRS

    def render_name(self, record: Lecturer) -> str:
        return record.display_name

    def render_status(self, value: str, record: Lecturer) -> Any:
        return _badge(value, STATUS_COLORS.get(record.status, "secondary"))


class CourseTable(BaseTable):
    code = tables.Column("课程编号", linkify=True)
    title = tables.Column("课程名称", linkify=True)
    field = tables.Column("课程领域")
    hours = tables.Column("学时")
    format = tables.Column("授课形式")
    academy = tables.Column("开课学院")
    is_free = tables.BooleanColumn(verbose_name="免费", yesno="是,否")
    status = tables.Column("状态")

    key_columns = ("title", "hours", "status")
    truncate = {"title": "lg", "academy": "md"}

    class Meta:
        model = Course
        fields = ("code", "title", "field", "hours", "format", "academy", "is_free", "status")
        attrs = ATTRS

    def render_field(self, value: str) -> str:
        return term_label("course_field", value, value)

    def render_status(self, value: str, record: Course) -> Any:
        return _badge(value, COURSE_STATUS_COLORS.get(record.status, "secondary"))


class ClassTable(BaseTable):
    title = tables.Column("班次名称", linkify=True)
    code = tables.Column("班次编号")
    course = tables.Column("课程")
    academy = tables.Column("举办学院/基地")
    start_date = tables.DateColumn(format="Y-m-d", verbose_name="开班日期")
    end_date = tables.DateColumn(format="Y-m-d", verbose_name="结业日期")
    capacity = tables.Column("人数上限")
    status = tables.Column("状态")

    key_columns = ("title", "start_date", "status")
    truncate = {"title": "lg", "course": "md", "academy": "md"}

    class Meta:
        model = TrainingClass
        fields = (
            "title",
            "code",
            "course",
            "academy",
            "start_date",
            "end_date",
            "capacity",
            "status",
        )
        attrs = ATTRS

    def render_status(self, value: str, record: TrainingClass) -> Any:
        return _badge(value, CLASS_STATUS_COLORS.get(record.status, "secondary"))


class OrderTable(BaseTable):
    number = tables.Column("订单编号", linkify=True)
    topic = tables.Column("培训主题")
    kind = tables.Column("订单类型")
    enterprise = tables.Column("企业")
    academy = tables.Column("承接学院")
    trainees_planned = tables.Column("计划人数")
    period_from = tables.DateColumn(format="Y-m-d", verbose_name="期望开始")
    status = tables.Column("状态")
    created_at = tables.DateColumn(format="Y-m-d", verbose_name="下单日期")

    key_columns = ("number", "topic", "status")
    truncate = {"topic": "lg", "enterprise": "md", "academy": "md"}

    class Meta:
        model = TrainingOrder
        fields = (
            "number",
            "topic",
            "kind",
            "enterprise",
            "academy",
            "trainees_planned",
            "period_from",
            "status",
            "created_at",
        )
        attrs = ATTRS

    def render_status(self, value: str, record: TrainingOrder) -> Any:
        return _badge(value, ORDER_STATUS_COLORS.get(record.status, "secondary"))


class PortalOrderTable(BaseTable):
    """我的培训订单 of an enterprise contact (fits a phone)."""

    number = tables.Column("订单编号", linkify=True)
    topic = tables.Column("培训主题", linkify=True)
    status = tables.Column("状态")
    created_at = tables.DateColumn(format="Y-m-d", verbose_name="下单日期")

    key_columns = ("number", "topic", "status")
    truncate = {"topic": "lg"}

    class Meta:
        model = TrainingOrder
        fields = ("number", "topic", "status", "created_at")
        order_by = ("-created_at",)
        attrs = ATTRS

    def render_status(self, value: str, record: TrainingOrder) -> Any:
        return _badge(value, ORDER_STATUS_COLORS.get(record.status, "secondary"))
