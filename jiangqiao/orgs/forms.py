from __future__ import annotations

from typing import Any

from jiangqiao.core.forms import LocalizedForm, LocalizedModelForm, model_choice
from jiangqiao.core.pickers import ObjectChoiceField
from jiangqiao.core.validators import validate_uscc

from .choices import OrgLevel
from .models import Organization
from .selectors import organization_choices_for


class OrganizationForm(LocalizedModelForm):
    """Create/edit a unit. The parent choices are limited to the user's scope (units they may add
    below); level and parent are fixed after creation (use “移动” to re-parent)."""

    parent = ObjectChoiceField("organization", label="上级组织")

    class Meta:
        model = Organization
        fields = [
            "parent",
            "level",
            "name",
            "short_name",
            "region_code",
            "uscc",
            "contact_name",
            "address",
            "sort",
            "remark",
        ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        parent = model_choice(self, "parent")
        parent.queryset = organization_choices_for(user=user, action="view")
        # Only a superuser may create a root (a province or the national federation).
        parent.required = not user.is_superuser
        if user.is_superuser:
            parent.help_text = "留空即新建顶级组织"
        self.fields["uscc"].validators.append(validate_uscc)
        from jiangqiao.taxonomy.widgets import TermPickerWidget

        self.fields["region_code"].widget = TermPickerWidget(scheme="region")
        if self.instance.pk:
            del self.fields["parent"]
            del self.fields["level"]

    def clean_uscc(self) -> str:
        from jiangqiao.core.identifiers import clean_uscc

        value = self.cleaned_data.get("uscc", "")
        return clean_uscc(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        level = data.get("level") or getattr(self.instance, "level", None)
        uscc = data.get("uscc")
        if uscc and level == OrgLevel.GRASSROOTS and not uscc.startswith("81"):
            self.add_error("uscc", "基层工会的统一社会信用代码应以 81 开头")
        return data

    def _post_clean(self) -> None:
        # Model validation (parent/level rules, path) runs in the service, inside its transaction.
        pass


class OrganizationMoveForm(LocalizedForm):
    new_parent = ObjectChoiceField("organization", label="新的上级组织")

    def __init__(self, *args: Any, user: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "new_parent").queryset = organization_choices_for(user=user).exclude(
            org.subtree_q()
        )
