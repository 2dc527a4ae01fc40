"""Forms of the exchange pages. They only clean input; the services check rules and write."""

from __future__ import annotations

from typing import Any

from django import forms

from jiangqiao.core.forms import LocalizedForm, model_choice
from jiangqiao.core.pickers import ObjectChoiceField
from jiangqiao.core.uploads import LimitedFileField
from jiangqiao.orgs.selectors import organization_choices_for

from . import format as fmt
from .choices import PiiMode, RecordType


def types_field() -> forms.MultipleChoiceField:
    """Record types to exchange (none ticked: every type)."""
    return forms.MultipleChoiceField(
        label="记录类型",
        choices=[(t, RecordType(t).label) for t in fmt.SUPPORTED_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选即全部类型",
    )


class ExportForm(LocalizedForm):
    types = types_field()
    since = forms.IntegerField(
        label="起始游标（增量）",
        min_value=0,
        max_value=2**62,
        required=False,
        help_text="留空导出全量快照；填写上次文件头中的 cursor_to 则只导出其后的变更",
    )
    pii = forms.ChoiceField(label="个人标识形式", choices=PiiMode.choices)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pii"].initial = fmt.default_pii_mode()


class ImportForm(LocalizedForm):
    file = LimitedFileField(kind="exchange", label="交换文件（.jsonl）")
    target_org = ObjectChoiceField(
        "organization",
        label="导入到（含下级）",
        required=False,
        help_text="记录按其所属工会的统一社会信用代码、行政区划和层级落到此组织或其下级；默认为您所在的组织",
    )
    dry_run = forms.BooleanField(
        label="仅预检（不写入）",
        required=False,
        initial=True,
        help_text="先预检，确认报告无误后再正式导入",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "target_org").queryset = organization_choices_for(
            user=user, action="view"
        ).order_by("path")
        if getattr(user, "org_id", None):
            self.fields["target_org"].initial = user.org_id


class PeerForm(LocalizedForm):
    """A live exchange peer (``live.peer_save`` checks the rules)."""

    name = forms.CharField(label="名称", max_length=100, help_text="如：全国平台")
    base_url = forms.URLField(
        assume_scheme="https",
        label="对方地址",
        help_text="对方实例的根地址，如 https://national.example.cn",
    )
    token = forms.CharField(
        label="API 令牌",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="对方为本实例签发的令牌（使用范围“数据交换”，读写）；加密保存，修改时留空则不变",
    )
    run_as = ObjectChoiceField(
        "user", label="导出账号", help_text="按此账号的数据范围与权限导出（输入姓名或登录账号检索）"
    )
    types = types_field()
    pii = forms.ChoiceField(label="个人标识形式", choices=PiiMode.choices, initial=PiiMode.HASH)
    interval_minutes = forms.IntegerField(
        label="同步间隔（分钟）", min_value=1, max_value=1440, initial=10
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        model_choice(self, "run_as").queryset = (
            get_user_model()
            .objects.visible_to(user, "view")  # type: ignore[attr-defined]
            .filter(is_active=True)
            .order_by("username")
        )
