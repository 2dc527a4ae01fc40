"""Writes to the organisation tree. Every function is atomic, scope-checked and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from jiangqiao.core import changelog
from jiangqiao.core.choices import BusinessType, ChangeAction, Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.operations import record_operation
from jiangqiao.core.scope import ScopeViolation, assert_visible

from .choices import ALLOWED_PARENT_LEVELS, OrgLevel
from .models import Organization
from .selectors import unit_edit_allowed

EDITABLE_FIELDS = (
    "name",
    "short_name",
    "region_code",
    "uscc",
    "sort",
    "contact_name",
    "address",
    "remark",
)


EDITED_FROM_ABOVE = (
    "组织信息由上级单位维护：您只能修改本单位的下级组织，本单位及上级、同级组织请联系上级单位修改"
)


class UnitEditedFromAbove(ScopeViolation):
    """The actor sees the unit but may not edit it: units are edited from the level above."""

    def __init__(self) -> None:
        Exception.__init__(self, EDITED_FROM_ABOVE)
        self.model = Organization
        self.action = "change"


def assert_editable(actor: Any, org: Organization) -> None:
    """Raise unless ``actor`` may edit ``org`` (see ``selectors.unit_edit_allowed``)."""
    assert_visible(Organization, actor, org.pk, "change")
    if not unit_edit_allowed(user=actor, org=org):
        raise UnitEditedFromAbove


def _check_parent(level: str, parent: Organization | None) -> None:
    allowed = ALLOWED_PARENT_LEVELS[OrgLevel(level)]
    parent_level = parent.level if parent is not None else None
    if parent_level not in allowed:
        if parent is None:
            raise BusinessError(f"“{OrgLevel(level).label}”必须有上级组织", field="parent")
        raise BusinessError(
            f"“{OrgLevel(level).label}”不能设在“{OrgLevel(parent.level).label}”之下",
            field="parent",
        )
    if parent is not None and parent.status != Status.ACTIVE:
        raise BusinessError("上级组织已停用，不能在其下新增或移入组织", field="parent")


def _region_check(region_code: str, parent: Organization | None) -> None:
    from jiangqiao.taxonomy.validators import validate_region_code

    try:
        validate_region_code(region_code)
    except ValidationError as exc:
        raise BusinessError(exc.messages[0], field="region_code") from exc


@transaction.atomic
def org_create(
    *,
    actor: Any,
    parent: Organization | None,
    level: str,
    name: str,
    region_code: str,
    **fields: Any,
) -> Organization:
    """Create a unit under ``parent``. The actor must be allowed to add units there."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    _check_parent(level, parent)
    _region_check(region_code, parent)
    org = Organization(
        parent=parent,
        level=level,
        name=name,
        region_code=region_code,
        depth=(parent.depth + 1) if parent else 0,
        path="/",  # provisional: the real path needs the primary key
        created_by=actor,
        updated_by=actor,
        **fields,
    )
    org.full_clean(exclude=["path"])
    # The path needs the primary key, so the row is saved twice; log it once, complete.
    with changelog.suppressed():
        org.save()
        org.path = f"{parent.path if parent else '/'}{org.pk}/"
        Organization.objects.filter(pk=org.pk).update(path=org.path)
    changelog.write(org, ChangeAction.CREATE, before=None, after=changelog.snapshot(org))
    if actor is not None:
        assert_visible(Organization, actor, org.pk, "add")
        if parent is not None:
            assert_visible(Organization, actor, parent.pk, "view")
    record_operation(
        actor=actor,
        module="组织机构",
        business_type=BusinessType.INSERT,
        action=f"新增组织“{org.name}”",
        target=org,
    )
    return org


@transaction.atomic
def org_update(*, actor: Any, org: Organization, data: dict[str, Any]) -> Organization:
    """Change the editable fields of ``org`` (level and position change through ``org_move``)."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    org = Organization.objects.select_for_update().get(pk=org.pk)
    assert_editable(actor, org)
    if "region_code" in data and data["region_code"] != org.region_code:
        _region_check(data["region_code"], org.parent)
    for key, value in data.items():
        setattr(org, key, value)
    org.updated_by = actor
    org.full_clean()
    org.save()
    return org


@transaction.atomic
def org_move(*, actor: Any, org: Organization, new_parent: Organization) -> Organization:
    """Move ``org`` and its whole subtree under ``new_parent`` (one UPDATE rewrites the paths)."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    assert_editable(actor, org)
    assert_visible(Organization, actor, new_parent.pk, "add")
    if new_parent.pk == org.pk or new_parent.path.startswith(org.path):
        raise BusinessError("不能把组织移到它自己或它的下级组织之下", field="parent")
    _check_parent(org.level, new_parent)
    old_path = org.path
    new_path = f"{new_parent.path}{org.pk}/"
    depth_delta = new_parent.depth + 1 - org.depth
    subtree = Organization.objects.filter(org.subtree_q())
    subtree.update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1)),
        depth=F("depth") + depth_delta,
    )
    org.refresh_from_db()
    org.parent = new_parent
    org.updated_by = actor
    org.save(update_fields=["parent", "updated_by", "updated_at"])
    record_operation(
        actor=actor,
        module="组织机构",
        business_type=BusinessType.UPDATE,
        action=f"移动组织“{org.name}”到“{new_parent.name}”之下",
        target=org,
        extra={"old_path": old_path, "new_path": new_path},
    )
    return org


@transaction.atomic
def org_set_status(*, actor: Any, org: Organization, status: str) -> Organization:
    """Enable or disable a unit. A unit with enabled units below it cannot be disabled."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    assert_editable(actor, org)
    if status == org.status:
        return org
    if status == Status.DISABLED:
        active_children = org.children.filter(status=Status.ACTIVE).count()
        if active_children:
            raise BusinessError(
                f"该组织下还有 {active_children} 个启用的下级组织，请先停用下级组织"
            )
    elif org.parent is not None and org.parent.status != Status.ACTIVE:
        raise BusinessError("上级组织已停用，请先启用上级组织")
    org.status = status
    org.updated_by = actor
    org.save(update_fields=["status", "updated_by", "updated_at"])
    record_operation(
        actor=actor,
        module="组织机构",
        business_type=BusinessType.UPDATE,
        action=f"{'启用' if status == Status.ACTIVE else '停用'}组织“{org.name}”",
        target=org,
    )
    return org
