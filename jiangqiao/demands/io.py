"""Spreadsheet import and export of enterprises (企业名录) and demands (需求征集表).

Both importers write through the app's services, one record at a time inside the import's single
transaction, so imported rows obey exactly the rules of the forms (USCC check, size class by the
300号 rules, certificate-only quality tiers, demand numbering, status events). The per-record
operation-log rows are folded into the import's one row (``core.operations.batched``); the change
log keeps one row per record. Enterprise and demand sheets are county/city sized (thousands of
rows); the 100,000-row path is the craftsman list (``talents.io``).

Keys: an enterprise is its USCC. A demand is its number (``GD-440305-2026-000123``) when the sheet
has one; otherwise the enterprise + the normalised title, so re-importing a 征集表 changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from jiangqiao.core.choices import Status
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io.engine import Existing, Group, Importer, ProgressFn, RowError, chunks
from jiangqiao.core.io.export import ExportColumn, ExportContext, ExportSpec, choice_labels
from jiangqiao.core.io.spec import Column, ImportSpec
from jiangqiao.core.operations import batched
from jiangqiao.text import search_key

from . import services
from .choices import (
    Channel,
    DeliveryMode,
    DemandKind,
    DemandStatus,
    Grade,
    OwnerLevel,
    SizeClass,
)
from .models import SHORT_TEXT_LIMIT, TEXT_LIMIT, Demand, Enterprise, EnterpriseContact

# ------------------------------------------------------------------------------------------------
# Enterprises
# ------------------------------------------------------------------------------------------------

ENTERPRISE_COLUMNS = (
    Column(
        "uscc",
        "统一社会信用代码",
        kind="identifier",
        required=True,
        example="91440300MA5FXXXX0X",
        note="18位，用于识别企业；登记机关、机构类别和登记地区由它推出",
        width=22,
    ),
    Column(
        "name",
        "企业名称",
        required=True,
        max_length=200,
        example="深圳市精工数控设备有限公司",
        aliases=("企业", "单位名称", "名称"),
        width=30,
    ),
    Column("former_names", "曾用名", kind="list", limit=10, max_length=200),
    Column("org", "所属工会", kind="org", note="负责联系该企业的工会；不填则为您所在的工会"),
    Column(
        "region_code",
        "所在地区",
        kind="code",
        scheme="region",
        aliases=("地区", "所在区县", "行政区划"),
        example="深圳市南山区",
        note="不填则取统一社会信用代码中的登记地区",
    ),
    Column("address", "地址", max_length=300, aliases=("企业地址", "详细地址"), width=30),
    Column(
        "industry_code",
        "所属行业",
        kind="code",
        scheme="industry",
        example="C3421 金属切削机床制造",
        width=24,
    ),
    Column("main_products", "主要产品", max_length=500, aliases=("主营产品", "主营业务"), width=24),
    Column(
        "staff_count",
        "从业人员（人）",
        kind="int",
        minimum=0,
        maximum=10_000_000,
        aliases=("从业人员", "职工人数", "员工人数"),
        example=120,
    ),
    Column(
        "revenue",
        "营业收入（万元）",
        kind="decimal",
        aliases=("营业收入", "年营业收入"),
        example=8600,
    ),
    Column("total_assets", "资产总额（万元）", kind="decimal", aliases=("资产总额",)),
    Column("basis_year", "数据年度", kind="int", minimum=1990, maximum=2100, example=2025),
    Column(
        "quality_tier",
        "优质中小企业梯度",
        kind="code",
        scheme="quality_tier",
        dropdown=True,
        aliases=("企业梯度", "专精特新"),
        note="须同时填写证书编号；不填写则不认定",
    ),
    Column("tier_cert_no", "梯度证书编号", max_length=64),
    Column("tier_valid_until", "梯度有效期至", kind="date"),
    Column("has_union", "已建工会", kind="bool", example="是"),
    Column("union_uscc", "工会统一社会信用代码", kind="identifier", note="以81开头"),
    Column("contact_name", "联系人", max_length=50, example="王经理"),
    Column(
        "contact_mobile",
        "联系人手机",
        kind="identifier",
        sensitive=True,
        aliases=("联系电话", "联系人电话", "手机"),
        example="13800138000",
    ),
)

ENTERPRISE_SPEC = ImportSpec(
    key="demands.enterprise",
    title="企业",
    columns=ENTERPRISE_COLUMNS,
    notes=(
        "企业以统一社会信用代码识别：已登记的企业会被更新，不会重复登记。",
        "企业规模按工信部联企业〔2011〕300号规定由行业、从业人员、营业收入、资产总额自动计算，不需要填写。",
    ),
)

ENTERPRISE_DATA_FIELDS = tuple(f for f in services.ENTERPRISE_FIELDS if f != "tier_issued_on")


class EnterpriseImporter(Importer):
    spec: ClassVar[ImportSpec] = ENTERPRISE_SPEC
    model = Enterprise
    merge_fields = (*ENTERPRISE_DATA_FIELDS, "org_id")
    masked_fields = ("contact_mobile",)
    union_fields = ("contacts",)
    foreign_noun = "企业"
    foreign_labels = ("统一社会信用代码", "")

    def prepare(self, values: dict[str, Any]) -> dict[str, Any]:
        data = dict(values)
        problems: list[tuple[str, str]] = []
        for field in ("uscc", "union_uscc"):
            if data.get(field):
                try:
                    data[field] = _clean_uscc(data[field], union=field == "union_uscc")
                except BusinessError as exc:
                    problems.append((field, exc.message))
        if data.get("former_names"):
            data["former_names"] = "\n".join(data["former_names"])
        if not data.get("region_code") and data.get("uscc") and not problems:
            region = data["uscc"][2:8]
            if self.resolver.label("region", region) == region:
                problems.append(("region_code", "未填写，且无法从统一社会信用代码推出有效的地区"))
            else:
                data["region_code"] = region
        name, mobile = data.pop("contact_name", ""), data.pop("contact_mobile", "")
        if mobile:
            from jiangqiao.core.identifiers import IdentifierError, normalize_mobile

            try:
                mobile = normalize_mobile(mobile)
            except IdentifierError as exc:
                problems.append(
                    ("contact_mobile", str(exc.with_label("手机号码")).split("：", 1)[-1])
                )
        if mobile and not name:
            problems.append(("contact_name", "填写了联系人手机，请填写联系人姓名"))
        org = data.pop("org", None)
        if problems:
            raise RowError(problems)
        data["contacts"] = [(name, mobile)] if name else []
        if org is not None:
            data["org_id"] = org.pk
        else:
            self.default_org()
        return data

    def hard_key(self, data: dict[str, Any]) -> str | None:
        return str(data.get("uscc") or "") or None

    def find_existing(
        self, hard: set[str], soft: set[str]
    ) -> tuple[dict[str, Existing], dict[str, Existing]]:
        found: dict[str, Enterprise] = {}
        for chunk in chunks(sorted(hard)):
            for ent in Enterprise.objects.filter(uscc__in=chunk).select_related("org"):
                found[ent.uscc] = ent
        visible: set[int] = set()
        contacts: dict[int, list[tuple[str, str]]] = {}
        for chunk in chunks(sorted(e.pk for e in found.values())):
            visible.update(
                Enterprise.objects.visible_to(self.user, "change")
                .filter(pk__in=chunk)
                .values_list("pk", flat=True)
            )
        viewable = set(visible)  # what the user may not change but may see is named
        for chunk in chunks(sorted({e.pk for e in found.values()} - visible)):
            viewable.update(
                Enterprise.objects.visible_to(self.user, "view")
                .filter(pk__in=chunk)
                .values_list("pk", flat=True)
            )
        for chunk in chunks(sorted(visible)):
            for contact in EnterpriseContact.objects.filter(enterprise_id__in=chunk):
                contacts.setdefault(contact.enterprise_id, []).append(
                    (contact.name, contact.mobile)
                )
        out: dict[str, Existing] = {}
        for uscc, ent in found.items():
            values = {f: getattr(ent, f) for f in ENTERPRISE_DATA_FIELDS}
            values["org_id"] = ent.org_id
            values["contacts"] = contacts.get(ent.pk, [])
            out[uscc] = Existing(
                pk=ent.pk,
                values=values,
                label=ent.name,
                visible=ent.pk in visible,
                hard_key=uscc,
                owner=ent.org.name,
                in_scope=ent.pk in viewable,
            )
        return out, {}

    def display(self, name: str, value: Any) -> str:
        if name == "industry_code" and value:
            return f"{value} {self.resolver.label('industry', value)}"
        if name == "region_code" and value:
            return f"{value} {self.resolver.label('region', value)}"
        return super().display(name, value)

    def write(self, creates: list[Group], updates: list[Group], progress: ProgressFn) -> None:
        from jiangqiao.orgs.models import Organization

        total, done = len(creates) + len(updates), 0
        orgs = {o.pk: o for o in Organization.objects.filter(pk__in=self.org_ids())}
        with batched():
            for group in creates:
                data = {
                    k: v
                    for k, v in group.merged.items()
                    if k in ENTERPRISE_DATA_FIELDS and v is not None
                }
                org = orgs.get(group.merged.get("org_id") or 0) or self.default_org()
                ent = self.row_call(
                    group, services.enterprise_create, actor=self.user, org=org, data=data
                )
                if ent is None:
                    continue
                group.pk = ent.pk
                self._contacts(group, ent, set())
                done += 1
                if done % 200 == 0:
                    progress(done, total, f"正在写入：{done}/{total}")
            for group in updates:
                assert group.existing is not None
                # The services lock and reload the row by its key: no need to load it here.
                ent = Enterprise(pk=group.existing.pk)
                data = {k: v for k, v in group.changes.items() if k in ENTERPRISE_DATA_FIELDS}
                org = orgs.get(group.changes.get("org_id") or 0)
                if data or org is not None:
                    ent = self.row_call(
                        group,
                        services.enterprise_update,
                        actor=self.user,
                        enterprise=ent,
                        data=data,
                        org=org,
                    )
                known = {
                    mobile or name for name, mobile in group.existing.values.get("contacts") or []
                }
                self._contacts(group, ent, known)
                done += 1
                if done % 200 == 0:
                    progress(done, total, f"正在写入：{done}/{total}")

    def _contacts(self, group: Group, ent: Enterprise, known: set[str]) -> None:
        for name, mobile in group.merged.get("contacts") or []:
            if (mobile or name) in known:
                continue
            self.row_call(
                group,
                services.contact_add,
                actor=self.user,
                enterprise=ent,
                name=name,
                mobile=mobile,
            )
            known.add(mobile or name)


def _clean_uscc(raw: str, *, union: bool = False) -> str:
    from django.core.exceptions import ValidationError

    from jiangqiao.core.identifiers import clean_uscc
    from jiangqiao.core.validators import validate_union_uscc, validate_uscc

    code = clean_uscc(raw)
    try:
        (validate_union_uscc if union else validate_uscc)(code)
    except ValidationError as exc:
        message = exc.messages[0]
        raise BusinessError(
            message.split("：", 1)[-1] if "：" in message[:16] else message
        ) from exc
    return code


# ------------------------------------------------------------------------------------------------
# Demands
# ------------------------------------------------------------------------------------------------

DEMAND_COLUMNS = (
    Column(
        "number", "需求编号", max_length=32, note="更新已有需求时填写；新需求不填，导入后自动编号"
    ),
    Column(
        "enterprise_uscc",
        "企业统一社会信用代码",
        kind="identifier",
        required=True,
        aliases=("统一社会信用代码", "信用代码", "企业信用代码"),
        note="企业须已在企业名录中（可先导入企业）",
        width=22,
    ),
    Column(
        "kind",
        "需求类型",
        kind="choice",
        required=True,
        choices=tuple(DemandKind.choices),
        example="技术难题",
    ),
    Column(
        "title",
        "需求标题",
        required=True,
        max_length=200,
        aliases=("需求名称", "标题", "难题名称"),
        example="数控机床主轴异响与精度下降",
        width=30,
    ),
    Column(
        "description",
        "需求描述",
        kind="longtext",
        required=True,
        max_length=TEXT_LIMIT,
        aliases=("需求内容", "问题描述", "具体需求"),
        example="三台立式加工中心主轴高速运转时异响，加工精度由0.01mm降到0.03mm，影响交货。",
        width=40,
    ),
    Column("current_state", "现状", kind="longtext", max_length=SHORT_TEXT_LIMIT),
    Column(
        "desired_outcome",
        "期望效果",
        kind="longtext",
        max_length=SHORT_TEXT_LIMIT,
        aliases=("期望目标", "预期目标"),
    ),
    Column(
        "category", "需求类别", kind="code", scheme="demand_category", levels=(1,), dropdown=True
    ),
    Column("subcategory", "需求子类", kind="code", scheme="demand_category", levels=(2,)),
    Column(
        "industry_codes",
        "所属行业",
        kind="codes",
        scheme="industry",
        limit=services.MAX_INDUSTRIES,
        example="C3421",
    ),
    Column(
        "tags",
        "所需专长标签",
        kind="list",
        limit=services.MAX_TAGS,
        max_length=services.MAX_TAG_LENGTH,
        aliases=("专长标签", "关键词"),
        example="主轴维修、精度恢复",
    ),
    Column("min_skill_level", "最低技能等级", kind="code", scheme="skill_level", dropdown=True),
    Column(
        "region_code",
        "服务地点",
        kind="code",
        scheme="region",
        aliases=("服务地区", "地点"),
        note="不填则为企业所在地区",
    ),
    Column(
        "delivery_mode",
        "服务方式",
        kind="choice",
        choices=tuple(DeliveryMode.choices),
        example="现场",
    ),
    Column(
        "trainee_count", "培训人数", kind="int", minimum=1, maximum=100_000, note="技能培训需求必填"
    ),
    Column("deadline", "期望完成日期", kind="date", aliases=("完成时限", "期望完成时间")),
    Column("matching_suggestion", "匹配建议", kind="longtext", max_length=SHORT_TEXT_LIMIT),
)

DEMAND_SPEC = ImportSpec(
    key="demands.demand",
    title="需求",
    columns=DEMAND_COLUMNS,
    notes=(
        "导入的需求直接成为“已提交”状态并自动编号，来源渠道记为“批量导入”。",
        "有需求编号的行更新该需求（仅限尚未进入对接的需求）；没有编号时，同一企业的同名需求视为同一条，不会重复登记。",
    ),
)

DEMAND_DATA_FIELDS = tuple(f for f in services.DEMAND_FIELDS if f not in ("preferred_craftsmen",))


class DemandImporter(Importer):
    spec: ClassVar[ImportSpec] = DEMAND_SPEC
    model = Demand
    merge_fields = DEMAND_DATA_FIELDS
    missing_hard_key = "【需求编号】“{key}”不存在；新需求请不要填写编号"
    foreign_noun = "需求"
    foreign_labels = ("需求编号", "需求标题")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._enterprises: dict[str, Enterprise | None] = {}
        self._by_pk: dict[int, Enterprise] = {}

    def _enterprise(self, uscc: str) -> Enterprise | None:
        if uscc not in self._enterprises:
            self._enterprises[uscc] = (
                Enterprise.objects.visible_to(self.user, "view").filter(uscc=uscc).first()
            )
        return self._enterprises[uscc]

    def prepare(self, values: dict[str, Any]) -> dict[str, Any]:
        data = dict(values)
        problems: list[tuple[str, str]] = []
        try:
            uscc = _clean_uscc(data.pop("enterprise_uscc"))
        except BusinessError as exc:
            raise RowError([("enterprise_uscc", exc.message)]) from exc
        ent = self._enterprise(uscc)
        if ent is None:
            problems.append(
                (
                    "enterprise_uscc",
                    f"企业“{uscc}”不在您的数据范围内的企业名录中，请先登记或导入企业",
                )
            )
        elif ent.status != Status.ACTIVE:
            problems.append(("enterprise_uscc", "该企业已停用，不能提交需求"))
        if data.get("kind") == DemandKind.SKILL_TRAINING and not data.get("trainee_count"):
            problems.append(("trainee_count", "技能培训需求必须填写培训人数"))
        sub = data.get("subcategory")
        if sub and data.get("category") and not sub.startswith(f"{data['category']}."):
            problems.append(("subcategory", "需求子类不属于所选的需求类别"))
        if problems:
            raise RowError(problems)
        assert ent is not None
        self._by_pk[ent.pk] = ent
        data["enterprise_id"] = ent.pk
        data["title_key"] = search_key(data["title"])
        if data.get("number"):
            data["number"] = data["number"].upper()
        return data

    def hard_key(self, data: dict[str, Any]) -> str | None:
        return str(data.get("number") or "") or None

    def soft_key(self, data: dict[str, Any]) -> str | None:
        return f"{data['enterprise_id']}|{data['title_key']}"

    def find_existing(
        self, hard: set[str], soft: set[str]
    ) -> tuple[dict[str, Existing], dict[str, Existing]]:
        found: dict[int, Demand] = {}
        for chunk in chunks(sorted(hard)):
            for d in Demand.objects.filter(number__in=chunk).select_related("org"):
                found[d.pk] = d
        ent_ids = {int(k.split("|", 1)[0]) for k in soft}
        for chunk in chunks(sorted(ent_ids)):
            for d in Demand.objects.filter(enterprise_id__in=chunk).select_related("org"):
                found[d.pk] = d
        visible = set(
            Demand.objects.visible_to(self.user, "change")
            .filter(pk__in=list(found))
            .values_list("pk", flat=True)
        )
        viewable = set(visible)  # what the user may not change but may see is named
        for chunk in chunks(sorted(set(found) - visible)):
            viewable.update(
                Demand.objects.visible_to(self.user, "view")
                .filter(pk__in=chunk)
                .values_list("pk", flat=True)
            )
        by_hard: dict[str, Existing] = {}
        by_soft: dict[str, Existing] = {}
        for d in found.values():
            values = {f: getattr(d, f) for f in DEMAND_DATA_FIELDS}
            values["enterprise_id"] = d.enterprise_id
            values["number"] = d.number
            values["title_key"] = search_key(d.title)
            existing = Existing(
                pk=d.pk,
                values=values,
                label=str(d),
                visible=d.pk in visible,
                hard_key=d.number,
                owner=d.org.name,
                in_scope=d.pk in viewable,
            )
            if d.number and d.number in hard:
                by_hard[d.number] = existing
            key = f"{d.enterprise_id}|{values['title_key']}"
            if key in soft:
                by_soft.setdefault(key, existing)
        return by_hard, by_soft

    def check_warnings(self, groups: list[Group]) -> dict[int, str]:
        """A new row like an open demand of its enterprise (one the importing user may see) is
        imported all the same, with a note naming that demand (``demands.duplicates``)."""
        from . import duplicates

        candidates: dict[int, list[duplicates.Candidate]] = {}
        notes: dict[int, str] = {}
        for group in groups:
            if group.existing is not None:
                continue
            data = group.merged or group.members[0].data
            ent_id = data.get("enterprise_id")
            if ent_id is None:
                continue
            if ent_id not in candidates:
                candidates[ent_id] = duplicates.open_candidates(self.user, ent_id)
            similar = duplicates.similar_among(data, candidates[ent_id])
            if similar:
                top = similar[0]
                notes[group.first_row] = (
                    f"【需求标题】与本企业在办的需求 {top.demand.number or '（草稿）'}"
                    f"“{top.demand.title[:40]}”相似（{top.percent}%），可能重复，请核对；"
                    "该行照常导入"
                )
        return notes

    def write(self, creates: list[Group], updates: list[Group], progress: ProgressFn) -> None:
        total, done = len(creates) + len(updates), 0
        with batched():
            for group in creates:
                ent = self._by_pk[group.merged["enterprise_id"]]
                data = {
                    k: v
                    for k, v in group.merged.items()
                    if k in DEMAND_DATA_FIELDS and v is not None
                }
                demand = self.row_call(
                    group,
                    services.demand_create,
                    actor=self.user,
                    enterprise=ent,
                    data=data,
                    channel=Channel.IMPORTED,
                    submit=True,
                )
                if demand is None:
                    continue
                group.pk = demand.pk
                done += 1
                if done % 200 == 0:
                    progress(done, total, f"正在写入：{done}/{total}")
            for group in updates:
                assert group.existing is not None
                demand = Demand.objects.get(pk=group.existing.pk)
                data = {k: v for k, v in group.changes.items() if k in DEMAND_DATA_FIELDS}
                if data:
                    self.row_call(
                        group, services.demand_update, actor=self.user, demand=demand, data=data
                    )
                done += 1
                if done % 200 == 0:
                    progress(done, total, f"正在写入：{done}/{total}")


# ------------------------------------------------------------------------------------------------
# Exports
# ------------------------------------------------------------------------------------------------


def _prepare_enterprises(chunk: list[Enterprise], ctx: ExportContext) -> None:
    ctx.load_labels(
        chunk,
        {"region_code": "region", "industry_code": "industry", "quality_tier": "quality_tier"},
    )
    contacts: dict[int, list[EnterpriseContact]] = {}
    for contact in EnterpriseContact.objects.filter(enterprise_id__in=[e.pk for e in chunk]):
        contacts.setdefault(contact.enterprise_id, []).append(contact)
    ctx.extra["contacts"] = contacts


def _contact(ent: Enterprise, ctx: ExportContext, attr: str) -> str:
    rows = ctx.extra["contacts"].get(ent.pk) or []
    return getattr(rows[0], attr) if rows else ""


def _money(value: Decimal | None) -> Any:
    return float(value) if value is not None else ""


_SIZE = choice_labels(SizeClass)
_ENT_STATUS = choice_labels(Status)

ENTERPRISE_EXPORT = ExportSpec(
    key="demands.enterprise",
    title="企业",
    sensitive_permission="demands.view_sensitive_enterprise",
    select_related=("org",),
    only=(
        "uscc",
        "name",
        "org__name",
        "region_code",
        "address",
        "industry_code",
        "main_products",
        "staff_count",
        "revenue",
        "total_assets",
        "basis_year",
        "size_class",
        "size_rule_version",
        "quality_tier",
        "tier_cert_no",
        "tier_valid_until",
        "has_union",
        "union_uscc",
        "status",
    ),
    prepare=_prepare_enterprises,
    columns=(
        ExportColumn("统一社会信用代码", lambda e, ctx: e.uscc, 22),
        ExportColumn("企业名称", lambda e, ctx: e.name, 30),
        ExportColumn("所属工会", lambda e, ctx: e.org.name, 20),
        ExportColumn("所在地区", lambda e, ctx: ctx.label("region", e.region_code), 12),
        ExportColumn("地址", lambda e, ctx: e.address, 30),
        ExportColumn("所属行业", lambda e, ctx: ctx.label("industry", e.industry_code), 24),
        ExportColumn("主要产品", lambda e, ctx: e.main_products, 24),
        ExportColumn("从业人员（人）", lambda e, ctx: e.staff_count, 10),
        ExportColumn("营业收入（万元）", lambda e, ctx: _money(e.revenue), 12),
        ExportColumn("资产总额（万元）", lambda e, ctx: _money(e.total_assets), 12),
        ExportColumn("数据年度", lambda e, ctx: e.basis_year, 8),
        ExportColumn("企业规模", lambda e, ctx: _SIZE.get(e.size_class, ""), 8),
        ExportColumn("划型规则", lambda e, ctx: e.size_rule_version, 20),
        ExportColumn(
            "优质中小企业梯度", lambda e, ctx: ctx.label("quality_tier", e.quality_tier), 14
        ),
        ExportColumn("梯度证书编号", lambda e, ctx: e.tier_cert_no, 16),
        ExportColumn("梯度有效期至", lambda e, ctx: e.tier_valid_until, 12),
        ExportColumn("已建工会", lambda e, ctx: e.has_union, 8),
        ExportColumn("工会统一社会信用代码", lambda e, ctx: e.union_uscc, 22),
        ExportColumn("联系人", lambda e, ctx: _contact(e, ctx, "name"), 10),
        ExportColumn(
            "联系人手机", lambda e, ctx: _contact(e, ctx, "mobile"), 14, sensitive="mobile"
        ),
        ExportColumn("状态", lambda e, ctx: _ENT_STATUS.get(e.status, e.status), 8),
    ),
)


def _prepare_demands(chunk: list[Demand], ctx: ExportContext) -> None:
    ctx.load_labels(
        chunk,
        {
            "region_code": "region",
            "industry_codes": "industry",
            "category": "demand_category",
            "subcategory": "demand_category",
            "min_skill_level": "skill_level",
        },
    )


_KIND = choice_labels(DemandKind)
_DELIVERY = choice_labels(DeliveryMode)
_GRADE = choice_labels(Grade)
_OWNER = choice_labels(OwnerLevel)
_CHANNEL = choice_labels(Channel)
_STATUS = choice_labels(DemandStatus)

DEMAND_EXPORT = ExportSpec(
    key="demands.demand",
    title="需求",
    select_related=("enterprise", "org"),
    only=(
        "number",
        "kind",
        "title",
        "description",
        "category",
        "subcategory",
        "industry_codes",
        "tags",
        "min_skill_level",
        "region_code",
        "delivery_mode",
        "grade",
        "owner_level",
        "channel",
        "trainee_count",
        "deadline",
        "status",
        "submitted_at",
        "created_at",
        "enterprise__uscc",
        "enterprise__name",
        "org__name",
    ),
    prepare=_prepare_demands,
    columns=(
        ExportColumn("需求编号", lambda d, ctx: d.number or "（草稿）", 24),
        ExportColumn("企业统一社会信用代码", lambda d, ctx: d.enterprise.uscc, 22),
        ExportColumn("企业名称", lambda d, ctx: d.enterprise.name, 28),
        ExportColumn("需求类型", lambda d, ctx: _KIND.get(d.kind, d.kind), 12),
        ExportColumn("需求标题", lambda d, ctx: d.title, 30),
        ExportColumn("需求描述", lambda d, ctx: d.description, 50),
        ExportColumn("需求类别", lambda d, ctx: ctx.label("demand_category", d.category), 10),
        ExportColumn("需求子类", lambda d, ctx: ctx.label("demand_category", d.subcategory), 10),
        ExportColumn("所属行业", lambda d, ctx: ctx.labels_of("industry", d.industry_codes), 24),
        ExportColumn("所需专长标签", lambda d, ctx: d.tags, 20),
        ExportColumn(
            "最低技能等级", lambda d, ctx: ctx.label("skill_level", d.min_skill_level), 12
        ),
        ExportColumn("服务地点", lambda d, ctx: ctx.label("region", d.region_code), 12),
        ExportColumn("服务方式", lambda d, ctx: _DELIVERY.get(d.delivery_mode, ""), 8),
        ExportColumn("需求分级", lambda d, ctx: _GRADE.get(d.grade, ""), 8),
        ExportColumn("承办层级", lambda d, ctx: _OWNER.get(d.owner_level, ""), 8),
        ExportColumn("来源渠道", lambda d, ctx: _CHANNEL.get(d.channel, ""), 10),
        ExportColumn("培训人数", lambda d, ctx: d.trainee_count, 8),
        ExportColumn("期望完成日期", lambda d, ctx: d.deadline, 12),
        ExportColumn("状态", lambda d, ctx: _STATUS.get(d.status, d.status), 8),
        ExportColumn("所属工会", lambda d, ctx: d.org.name, 20),
        ExportColumn("提交时间", lambda d, ctx: d.submitted_at, 16),
    ),
)


__all__ = [
    "DEMAND_EXPORT",
    "DEMAND_SPEC",
    "ENTERPRISE_EXPORT",
    "ENTERPRISE_SPEC",
    "DemandImporter",
    "EnterpriseImporter",
]
