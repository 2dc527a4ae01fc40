from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import password_validators_help_texts

from jiangqiao.core.choices import Status
from jiangqiao.core.forms import LocalizedForm, LocalizedFormMixin, LocalizedModelForm, model_choice
from jiangqiao.core.pickers import ObjectChoiceField, ObjectMultipleChoiceField
from jiangqiao.orgs.models import Organization
from jiangqiao.orgs.selectors import organization_choices_for

from .choices import TokenScope
from .models import Role, User
from .permissions import permission_label
from .roles import ADMIN_ROLES


class LoginForm(LocalizedFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。连续失败 5 次将锁定 10 分钟。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "登录账号"
        self.fields["password"].label = "密码"


class PasswordChangeForm(LocalizedForm):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput, strip=False)
    new_password1 = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput,
        strip=False,
        help_text="；".join(t.rstrip("。.") for t in password_validators_help_texts()) + "。",
    )
    new_password2 = forms.CharField(label="确认新密码", widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class UserForm(LocalizedModelForm):
    """Create or edit an account. Organisation choices are limited to the editor's scope."""

    roles = forms.ModelMultipleChoiceField(
        label="角色",
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="需要“为用户分配角色”权限；三员（系统/安全/审计管理员）不能由同一账号兼任。",
    )

    move_reason = forms.CharField(
        label="调动理由",
        required=False,
        max_length=500,
        help_text="调到上级或平级单位会扩大数据范围，须经安全管理员审批；请写明理由。",
    )

    org = ObjectChoiceField("organization", label="所属组织", required=False)

    class Meta:
        model = User
        fields = ["username", "real_name", "org", "move_reason", "email", "remark"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editor = user
        action = "change" if self.instance.pk else "add"
        model_choice(self, "org").queryset = organization_choices_for(user=user, action="view")
        self.fields["org"].required = not user.is_superuser
        self.scope_action = action
        if user.has_perm("accounts.assign_role") and self.instance.pk != user.pk:
            model_choice(self, "roles").queryset = Role.objects.filter(status=Status.ACTIVE)
            if self.instance.pk:
                self.fields["roles"].initial = list(self.instance.roles.all())
        else:
            del self.fields["roles"]
        self.fields["username"].label = "登录账号"
        self.fields[
            "username"
        ].help_text = "字母、数字及 @ . + - _，不超过 150 个字符；创建后不能修改。"
        if self.instance.pk:
            self.fields["username"].disabled = True
        else:
            del self.fields["move_reason"]

    def _post_clean(self) -> None:
        # Uniqueness and scope are checked by the service inside its transaction.
        pass


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class PermissionMatrixWidget(forms.CheckboxSelectMultiple):
    """The role's permissions as a table: one block per module (app), one row per business
    object (its Chinese name), columns 查看/新增/修改/删除 and the object's own actions
    (导出、审核 …) after them. Same inputs as a checkbox list, so the form is unchanged."""

    template_name = "accounts/widgets/permission_matrix.html"

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        from django.apps import apps

        from .permissions import ACTION_LABELS

        context = super().get_context(name, value, attrs)
        chosen = {str(v) for v in (value or [])}
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        disabled = bool(context["widget"]["attrs"].get("disabled"))
        blocks: dict[str, dict[str, Any]] = {}
        for index, (option_value, label) in enumerate(self.choices):
            perm = getattr(option_value, "instance", None)
            if perm is None:
                continue
            ct = perm.content_type
            app_label = ct.app_label
            if app_label not in blocks:
                try:
                    app_name = str(apps.get_app_config(app_label).verbose_name)
                except LookupError:
                    app_name = app_label
                blocks[app_label] = {"label": app_name, "rows": {}}
            rows = blocks[app_label]["rows"]
            if ct.model not in rows:
                model = ct.model_class()
                rows[ct.model] = {
                    "label": str(model._meta.verbose_name) if model else ct.model,
                    "cells": dict.fromkeys(ACTION_LABELS),
                    "others": [],
                }
            option = {
                "value": str(option_value),
                "label": str(label),
                "id": f"{base_id}_{index}",
                "checked": str(option_value) in chosen,
            }
            action, _, model_name = perm.codename.partition("_")
            row = rows[ct.model]
            if action in ACTION_LABELS and model_name == ct.model:
                option["short"] = ACTION_LABELS[action]
                row["cells"][action] = option
            else:
                row["others"].append(option)
        context["widget"].update(
            {
                "blocks": [
                    {"label": b["label"], "key": key, "rows": list(b["rows"].values())}
                    for key, b in blocks.items()
                ],
                "actions": list(ACTION_LABELS.values()),
                "disabled": disabled,
            }
        )
        return context


class RoleForm(LocalizedModelForm):
    permissions = PermissionChoiceField(
        label="功能权限",
        queryset=Permission.objects.none(),
        required=False,
        widget=PermissionMatrixWidget,
    )
    custom_orgs = ObjectMultipleChoiceField(
        "organization",
        label="自定义组织",
        required=False,
        help_text="数据范围为“自定义组织”时生效：只能看到所选组织的数据（不含其下级）。"
        "点击输入框展开组织树，或输入名称检索。",
    )

    class Meta:
        model = Role
        fields = ["code", "name", "data_scope", "sort", "remark"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "permissions").queryset = permission_choices()
        model_choice(self, "custom_orgs").queryset = Organization.objects.filter(
            status=Status.ACTIVE
        )
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["permissions"].initial = list(self.instance.group.permissions.all())
            self.fields["custom_orgs"].initial = list(self.instance.custom_orgs.all())
            if self.instance.is_builtin and self.instance.code in {str(c) for c in ADMIN_ROLES}:
                # 三员 roles: permissions and data scope are fixed by the code.
                for name in ("permissions", "data_scope", "custom_orgs"):
                    self.fields[name].disabled = True
                self.fields[
                    "permissions"
                ].help_text = "三员角色的功能权限和数据范围由系统固定，不能修改。"

    def clean_permissions(self) -> list[Any]:
        """The chosen permissions, plus those of internal tables the role already holds (the
        editor does not show them, so saving must not drop them)."""
        chosen = list(self.cleaned_data.get("permissions") or [])
        if self.instance.pk:
            shown = set(self.fields["permissions"].queryset.values_list("pk", flat=True))  # type: ignore[attr-defined]
            chosen += [p for p in self.instance.group.permissions.all() if p.pk not in shown]
        return chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("data_scope") == "custom" and not data.get("custom_orgs"):
            self.add_error("custom_orgs", "数据范围为“自定义组织”时，请至少选择一个组织")
        return data

    def _post_clean(self) -> None:
        pass


PERMISSION_APPS = (
    "orgs",
    "accounts",
    "core",
    "taxonomy",
    "talents",
    "demands",
    "matching",
    "casework",
    "academy",
    "dashboards",
    "exchange",
    "privacy",
)


# Permissions that mean nothing in this product: logs are never written or edited by hand, reference
# data is loaded from files, master data is disabled rather than deleted, jobs are not edited.
NOT_GRANTABLE = {
    "core": {
        "add_changelog",
        "change_changelog",
        "delete_changelog",
        "add_operationlog",
        "change_operationlog",
        "delete_operationlog",
        "change_job",
        "delete_job",
    },
    "accounts": {
        "add_loginlog",
        "change_loginlog",
        "delete_loginlog",
        "delete_user",
        "delete_role",
    },
    "orgs": {"delete_organization"},
    "taxonomy": {"add_term", "change_term", "delete_term"},
}


# Internal tables: counters, vectors, code index rows, idempotency keys, through/mapping rows,
# worker heartbeats, delivery records. Nobody is granted them; the role editor never shows them
# (a role that already holds one keeps it when edited). The one list of them.
INTERNAL_MODELS = {
    "core": {
        "workerheartbeat",
        "recordsource",
        "notificationdelivery",
        "notificationpreference",
    },
    "accounts": {"passwordhistory"},
    "talents": {"craftsmancode"},
    "demands": {"demandcode", "demandcounter", "submissionkey"},
    "matching": {"craftsmanembedding", "demandembedding"},
    "exchange": {"exchangerecord"},
}


def permission_choices() -> Any:
    """The permissions a role may hold: those of the platform's own apps (not Django internals),
    without the meaningless ones (``NOT_GRANTABLE``) and those of internal tables."""
    from django.db.models import Q

    excluded = Q(pk__in=[])
    for app_label, codenames in NOT_GRANTABLE.items():
        excluded |= Q(content_type__app_label=app_label, codename__in=codenames)
    for app_label, models in INTERNAL_MODELS.items():
        excluded |= Q(content_type__app_label=app_label, content_type__model__in=models)
    return (
        Permission.objects.filter(content_type__app_label__in=PERMISSION_APPS)
        .exclude(excluded)
        .select_related("content_type")
        .order_by("content_type__app_label", "content_type__model", "codename")
    )


class UserRolesForm(LocalizedForm):
    """The roles of one account, set by whoever may assign roles (安全管理员 in 三员分立)."""

    roles = forms.ModelMultipleChoiceField(
        label="角色",
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="三员（系统/安全/审计管理员）不能由同一账号兼任；不能修改自己的角色。",
    )

    def __init__(self, *args: Any, user: Any, instance: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"roles": list(instance.roles.all())})
        super().__init__(*args, **kwargs)
        model_choice(self, "roles").queryset = Role.objects.filter(status=Status.ACTIVE)


class TokenIssueForm(LocalizedForm):
    name = forms.CharField(
        label="用途", max_length=100, help_text="如：全国平台数据交换、数据报送脚本"
    )
    days = forms.IntegerField(
        label="有效天数",
        min_value=1,
        initial=90,
        error_messages={"min_value": "有效天数：至少 1 天", "invalid": "有效天数：请填写整数"},
    )
    read_only = forms.BooleanField(
        label="只读", required=False, initial=True, help_text="只读令牌只能查询，不能修改数据"
    )
    scopes = forms.MultipleChoiceField(
        label="使用范围",
        required=False,
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="勾选后令牌只能调用这些接口（全国平台数据交换的令牌请勾选“数据交换”）；不勾选为全部接口",
    )

    def __init__(self, *args: Any, max_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        assert isinstance(days, forms.IntegerField)
        days.max_value = max_days
        days.widget.attrs["max"] = max_days
        days.help_text = f"最长 {max_days} 天；到期后须重新签发"
        days.error_messages["max_value"] = f"有效天数：最长 {max_days} 天"
        from django.core.validators import MaxValueValidator

        days.validators.append(MaxValueValidator(max_days, message=f"有效天数：最长 {max_days} 天"))


class SecondFactorForm(LocalizedForm):
    code = forms.CharField(
        label="动态口令",
        max_length=32,
        strip=True,
        help_text="手机验证器显示的 6 位数字；手机不在身边时，可输入一个恢复码。",
        error_messages={"required": "动态口令：请输入验证器显示的 6 位数字或一个恢复码"},
    )
