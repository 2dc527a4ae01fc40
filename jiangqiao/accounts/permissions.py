"""Chinese labels for Django permissions (Django names default ones “Can view …” in English)."""

from __future__ import annotations

from django.contrib.auth.models import Permission

ACTION_LABELS = {"view": "查看", "add": "新增", "change": "修改", "delete": "删除"}


def permission_label(perm: Permission) -> str:
    action, _, model = perm.codename.partition("_")
    model_class = perm.content_type.model_class()
    verbose = str(model_class._meta.verbose_name) if model_class else model
    if action in ACTION_LABELS and model == perm.content_type.model:
        return f"{ACTION_LABELS[action]}{verbose}"
    return perm.name
