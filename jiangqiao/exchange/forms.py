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


class ExportForm(LocalizedForm):
    types = forms.MultipleChoiceField(
        label="记录类型",
        choices=[(t, RecordType(t).label) for t in fmt.SUPPORTED_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选即全部类型",
    )
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
