from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from jiangqiao.core.choices import STATUS_COLORS
from jiangqiao.core.tables import BaseTable

from .choices import LOGIN_STATUS_COLORS
from .models import LoginLog, Role, User


def _badge(label: Any, color: str) -> Any:
    return format_html('<span class="badge bg-{}-lt">{}</span>', color, label)


class UserTable(BaseTable):
    username = tables.Column("登录账号", linkify=True)
    real_name = tables.Column("姓名")
    org = tables.Column("所属组织")
    roles = tables.ManyToManyColumn(verbose_name="角色", separator="、")
    is_active = tables.Column("状态")
    last_login = tables.DateTimeColumn(verbose_name="最后登录", format="Y-m-d H:i")

    key_columns = ("username", "real_name", "org", "is_active")
    truncate = {"username": "sm", "org": "md", "roles": "md"}

    class Meta:
        model = User
        fields = ("username", "real_name", "org", "roles", "is_active", "last_login")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_is_active(self, value: bool) -> Any:
        return _badge("正常" if value else "停用", "green" if value else "secondary")


class RoleTable(BaseTable):
    name = tables.Column("角色名称", linkify=True)
    code = tables.Column("角色编码")
    data_scope = tables.Column("数据范围")
    is_builtin = tables.BooleanColumn("内置", yesno="是,否")
    status = tables.Column("状态")
    remark = tables.Column("说明", attrs={"td": {"class": "wrap"}})

    key_columns = ("name", "data_scope", "status")

    class Meta:
        model = Role
        fields = ("name", "code", "data_scope", "is_builtin", "status", "remark")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_status(self, value: str, record: Role) -> Any:
        return _badge(value, STATUS_COLORS.get(record.status, "secondary"))


class LoginLogTable(BaseTable):
    time = tables.DateTimeColumn(verbose_name="时间", format="Y-m-d H:i:s")
    username = tables.Column("登录账号")
    status = tables.Column("结果")
    ip = tables.Column("IP")
    user_agent = tables.Column("浏览器", attrs={"td": {"class": "wrap small"}})
    message = tables.Column("说明")

    key_columns = ("time", "username", "status")

    class Meta:
        model = LoginLog
        fields = ("time", "username", "status", "ip", "user_agent", "message")
        attrs = {"class": "table table-vcenter card-table table-hover"}

    def render_status(self, value: str, record: LoginLog) -> Any:
        return _badge(value, LOGIN_STATUS_COLORS.get(record.status, "secondary"))

    def render_user_agent(self, value: str) -> str:
        return value[:80]
