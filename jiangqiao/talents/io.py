"""Spreadsheet import and export of craftsmen (劳模工匠名单).

The import applies the same rules as :func:`jiangqiao.talents.services.craftsman_create` — ID
number (GB 11643), mobile and USCC validation, codes checked against the reference data, encrypted
identifiers with blind indexes, the ``CraftsmanCode`` index rows, change-log rows — but in bulk, so
that a 100,000-row provincial list loads in about a minute (``bench/import_export.py``).

Keys: the ID number (its blind index) is the hard key; without it, name + employer + mobile
(normalised: traditional/simplified, blanks, brackets and punctuation folded) is the soft key.
Honours and service items of duplicates are merged as a union; other fields by the chosen rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from jiangqiao.core import changelog
from jiangqiao.core.bulk import insert_rows, insert_tuples, pipelined, reserve_ids
from jiangqiao.core.choices import ChangeAction
from jiangqiao.core.crypto import blind_index
from jiangqiao.core.exceptions import BusinessError
from jiangqiao.core.io import values as V
from jiangqiao.core.io.engine import Existing, Group, Importer, ProgressFn, RowError, chunks
from jiangqiao.core.io.export import ExportColumn, ExportContext, ExportSpec, choice_labels
from jiangqiao.core.io.spec import Column, ImportSpec
from jiangqiao.core.search import bulk_loading
from jiangqiao.text import search_key, search_key_of_normalized

from . import services
from .choices import CraftsmanStatus, Gender
from .codes import code_key, code_keys_many
from .models import TEXT_MAX, Craftsman, CraftsmanCode, Honour, ServiceItem

HONOUR_LEVEL_WORDS = {
    "国": "national",
    "全": "national",
    "省": "provincial",
    "部": "provincial",
    "市": "city",
    "地": "city",
    "县": "county",
    "区": "county",
    "企": "enterprise",
}
_YEAR = re.compile(r"(19[5-9]\d|20\d\d)")
_LEVEL = re.compile(
    r"(国家级|全国|省部级|省级|省（部）级|市级|地市级|市（地）级|县级|区级|县（区）级|企业级)"
)
_BRACKETS = re.compile(r"[（(]([^()（）]*)[)）]")
_EMPLOYER_NOISE = re.compile(r"[\s()（）\[\]【】,，.。·\-—_/]")
DEFAULT_ITEM_TYPE = "tech_consulting"
#: City-level craftsman titles that do not say 市 (the others ending in 工匠 are provincial).
CITY_CRAFTSMEN = {"鹏城工匠", "羊城工匠", "莞邑工匠", "韶关工匠", "湛江工匠", "汕尾工匠"}

COLUMNS = (
    Column(
        "name",
        "姓名",
        required=True,
        max_length=50,
        example="张建国",
        aliases=("劳模姓名", "工匠姓名"),
    ),
    Column("gender", "性别", kind="choice", choices=tuple(Gender.choices), example="男"),
    Column("birth_year", "出生年份", kind="int", minimum=1920, maximum=2015, example=1975),
    Column(
        "id_number",
        "身份证号",
        kind="identifier",
        sensitive=True,
        example="440305197503150011",
        note="18位，末位可为X；用于识别重复档案，加密保存",
        width=22,
    ),
    Column("mobile", "手机号", kind="identifier", sensitive=True, example="13912345678", width=14),
    Column(
        "employer_name",
        "工作单位",
        max_length=100,
        example="深圳市精工数控设备有限公司",
        aliases=("单位", "所在单位", "工作单位名称", "单位名称"),
        width=28,
    ),
    Column(
        "employer_uscc",
        "工作单位统一社会信用代码",
        kind="identifier",
        aliases=("单位信用代码", "单位统一社会信用代码"),
        width=22,
    ),
    Column("department", "部门", max_length=100),
    Column(
        "position", "岗位/职务", max_length=100, aliases=("岗位", "职务"), example="数控车间主任"
    ),
    Column("org", "所属工会", kind="org", note="不填则归属您所在的工会"),
    Column(
        "industries",
        "所属行业",
        kind="codes",
        scheme="industry",
        limit=services.MAX_CODES,
        example="C3421 金属切削机床制造",
        width=24,
    ),
    Column(
        "occupations",
        "职业（工种）",
        kind="codes",
        scheme="occupation",
        limit=services.MAX_CODES,
        aliases=("职业", "工种", "职业工种"),
        example="6-18-01-01",
        width=18,
    ),
    Column(
        "skill_level",
        "职业技能等级",
        kind="code",
        scheme="skill_level",
        dropdown=True,
        aliases=("技能等级", "等级"),
        example="高级技师",
    ),
    Column("skill_cert_no", "技能等级证书编号", max_length=50, aliases=("证书编号",)),
    Column("skill_cert_issuer", "发证机构", max_length=100),
    Column("skill_cert_date", "发证日期", kind="date"),
    Column(
        "skill_post",
        "技能岗位（评聘）",
        kind="code",
        scheme="skill_post",
        dropdown=True,
        aliases=("技能岗位", "评聘岗位"),
    ),
    Column(
        "professional_title",
        "职称",
        kind="code",
        scheme="professional_title",
        dropdown=True,
    ),
    Column(
        "honours",
        "荣誉称号",
        kind="list",
        limit=20,
        aliases=("荣誉", "获得荣誉", "主要荣誉"),
        example="全国劳动模范(2015)、全国技术能手(2010)",
        note="每项写称号和年份，如“全国劳动模范(2015)”；可注明级别，如“创新工作室领衔人(省级,2019)”",
        width=30,
    ),
    Column(
        "expertise_tags",
        "专长领域",
        kind="codes",
        scheme="demand_category",
        limit=services.MAX_CODES,
        example="工艺改进、设备维护",
    ),
    Column(
        "expertise",
        "技术专长",
        kind="longtext",
        max_length=TEXT_MAX,
        example="数控机床精度恢复与主轴维修，复杂零件五轴加工工艺",
        width=40,
    ),
    Column("bio", "个人简介", kind="longtext", max_length=TEXT_MAX, aliases=("简介",), width=40),
    Column(
        "service_items",
        "技术服务项目",
        kind="list",
        limit=30,
        max_length=120,
        aliases=("服务项目", "技术服务项目清单"),
        example="技术攻关：数控机床精度恢复、技能培训课程：五轴加工编程",
        note="每项一个项目名称，可用“类型：名称”注明类型（技术咨询、技术攻关、技能培训等），不注明为技术咨询",
        width=36,
    ),
    Column(
        "service_modes",
        "服务方式",
        kind="codes",
        scheme="service_mode",
        aliases=("接受的服务方式",),
        example="现场指导、线上",
    ),
    Column(
        "regions_served",
        "服务地区",
        kind="codes",
        scheme="region",
        limit=services.MAX_CODES,
        example="深圳市南山区",
    ),
    Column("cross_region_ok", "接受跨地区服务", kind="bool", example="是"),
    Column(
        "max_open_services",
        "同时进行的服务上限",
        kind="int",
        minimum=0,
        maximum=50,
        example=3,
    ),
    Column("max_new_per_month", "每月新接服务上限", kind="int", minimum=0, maximum=50, example=2),
)

CRAFTSMAN_SPEC = ImportSpec(
    key="talents.craftsman",
    title="劳模工匠",
    columns=COLUMNS,
    notes=(
        "同一人以身份证号识别；没有身份证号时，以“姓名 + 工作单位 + 手机号”识别（繁简体、空格不影响识别）。",
        "已登记的人员会被更新；同一文件中重复出现的人员会合并为一条，荣誉和服务项目取并集。",
    ),
    model_label="talents.Craftsman",
)

#: Profile fields copied from the row to the model (the rest are handled specially).
PLAIN_FIELDS = tuple(f for f in services.CRAFTSMAN_FIELDS if f not in ("pause_until",))


#: Text columns of a profile and their sizes (the last guard in ``_check_model``).
_CHAR_LIMITS = tuple(
    (f.name, int(f.max_length or 0), str(f.verbose_name))
    for f in Craftsman._meta.concrete_fields
    if f.name in PLAIN_FIELDS and getattr(f, "max_length", None)
)


def employer_key(name: str, *, normalized: bool = False) -> str:
    """The employer as compared between rows and records (``normalized``: a checked cell)."""
    key = search_key_of_normalized(name) if normalized and name else search_key(name or "")
    return _EMPLOYER_NOISE.sub("", key)


class CraftsmanImporter(Importer):
    spec: ClassVar[ImportSpec] = CRAFTSMAN_SPEC
    model = Craftsman
    merge_fields = (
        *(c.name for c in COLUMNS if c.name not in ("honours", "service_items", "org")),
        "org_id",
    )
    masked_fields = ("id_number", "mobile")
    union_fields = ("honours", "service_items")
    key_columns = ("id_number", "mobile", "employer_name", "name")
    foreign_noun = "人员"
    foreign_labels = ("身份证号", "姓名、工作单位和手机号")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._honour_levels: dict[str, list[str]] | None = None
        # The same few thousand codes recur in every row: look each one up once per import.
        self._keys: dict[tuple[str, str], str | None] = {}
        self._ids: list[int] = []
        self._parses: dict[str, dict[str, tuple[bool, Any]]] = {}

    def _key_of(self, scheme: str, code: str) -> str | None:
        if (scheme, code) not in self._keys:
            self._keys[(scheme, code)] = code_key(scheme, code)
        return self._keys[(scheme, code)]

    def _warm(self, groups: list[Group]) -> None:
        """Every code key and skill rank the groups need, looked up before the writing starts: on
        PostgreSQL the writer thread holds the connection for each COPY, and a lookup in between
        would wait for it (1,784 such waits cost 9 s of a 20,000-row import)."""
        wanted: dict[str, set[str]] = {}
        for group in groups:
            for field, (scheme, _, _) in services.CODE_LIST_FIELDS.items():
                wanted.setdefault(scheme, set()).update(group.merged.get(field) or [])
            if group.merged.get("skill_level"):
                self._rank("skill_level", group.merged["skill_level"])
        for scheme, codes in wanted.items():
            for code, key in code_keys_many(scheme, codes).items():
                self._keys[(scheme, code)] = key

    # -- one row ---------------------------------------------------------------------------------

    def prepare(self, values: dict[str, Any]) -> dict[str, Any]:
        data = dict(values)
        problems: list[tuple[str, str]] = []
        for field in ("id_number", "mobile", "employer_uscc"):
            if data.get(field):
                try:
                    data[field] = services._clean_identifier(field, data[field])
                except BusinessError as exc:
                    problems.append((field, _strip_label(exc.message)))
        if "honours" in data:
            try:
                data["honours"] = [self._parsed(self._honour, text) for text in data["honours"]]
            except V.CellError as exc:
                problems.append(("honours", exc.message))
        if "service_items" in data:
            try:
                data["service_items"] = [
                    self._parsed(self._item, text) for text in data["service_items"]
                ]
            except V.CellError as exc:
                problems.append(("service_items", exc.message))
        org = data.pop("org", None)
        if problems:
            raise RowError(problems)
        if org is not None:
            data["org_id"] = org.pk
        else:
            self.default_org()  # a user without a unit must name one
        data["name_key"] = search_key_of_normalized(data["name"])[:50]
        return data

    def _parsed(self, parse: Any, text: str) -> Any:
        """``parse(text)`` remembered per import (the same honours and items recur)."""
        memo = self._parses.setdefault(parse.__name__, {})
        if text not in memo:
            try:
                memo[text] = (True, parse(text))
            except V.CellError as exc:
                memo[text] = (False, exc.message)
        ok, value = memo[text]
        if not ok:
            raise V.CellError(value)
        return value

    def _honour(self, text: str) -> tuple[str, str, int]:
        if self._honour_levels is None:
            from jiangqiao.taxonomy.models import Term

            self._honour_levels = {
                code: list((extra or {}).get("levels") or [])
                for code, extra in Term.objects.filter(scheme="honour").values_list("code", "extra")
            }
        year_match = _YEAR.search(text)
        if not year_match:
            raise V.CellError(f"“{text[:20]}”请注明获得年份，如“全国劳动模范(2015)”")
        notes = " ".join(_BRACKETS.findall(text))
        level_match = _LEVEL.search(notes)
        name = _YEAR.sub("", _BRACKETS.sub("", text))
        name = re.sub(r"[,，·\-—年\s]", "", name)
        code = self._honour_code(name)
        allowed = self._honour_levels.get(code) or ["national"]
        level = allowed[0]
        if level_match:
            wanted = HONOUR_LEVEL_WORDS.get(level_match.group(1)[0], "")
            if wanted not in allowed:
                raise V.CellError(f"“{text[:20]}”的级别与荣誉称号不符")
            level = wanted
        return (code, level, int(year_match.group(1)))

    def _honour_code(self, name: str) -> str:
        try:
            return self.resolver.resolve("honour", name)
        except V.CellError:
            # Provinces and cities name their craftsmen: 南粤工匠, 齐鲁工匠, 鹏城工匠, 深圳市工匠 …
            if name.endswith("工匠") and name != "大国工匠" and len(name) <= 8:
                return (
                    "city_craftsman"
                    if "市" in name or name in CITY_CRAFTSMEN
                    else "provincial_craftsman"
                )
            raise

    def _item(self, text: str) -> tuple[str, str]:
        kind, title = DEFAULT_ITEM_TYPE, text
        if "：" in text or ":" in text:
            head, _, rest = re.split(r"([:：])", text, maxsplit=1)
            try:
                kind = self.resolver.resolve("service_type", head)
                title = rest.strip()
            except V.CellError:
                kind, title = DEFAULT_ITEM_TYPE, text
        if not title:
            raise V.CellError(f"服务项目“{text[:20]}”缺少名称")
        return (kind, title[:100])

    # The keys read only the key columns, converted (the key pass) or prepared (the same values,
    # identifiers cleaned: cleaning is idempotent); an invalid identifier raises, as in prepare.

    def hard_key(self, data: dict[str, Any]) -> str | None:
        number = data.get("id_number")
        if not number:
            return None
        return blind_index(services._clean_identifier("id_number", number), purpose="id_number")

    def soft_key(self, data: dict[str, Any]) -> str | None:
        mobile, employer = data.get("mobile"), data.get("employer_name")
        if not mobile or not employer or not data.get("name"):
            return None
        mobile = services._clean_identifier("mobile", mobile)
        # Names and employers come from checked cells: already normalised.
        name_key = search_key_of_normalized(data["name"])[:50]
        employer = employer_key(employer, normalized=True)
        return f"{name_key}|{employer}|{blind_index(mobile, purpose='mobile')}"

    # -- existing records -----------------------------------------------------------------------

    def find_existing(
        self, hard: set[str], soft: set[str]
    ) -> tuple[dict[str, Existing], dict[str, Existing]]:
        found: dict[int, Craftsman] = {}
        # Large chunks: a provincial list brings 100,000 keys, nearly all of them new.
        for chunk in chunks(sorted(hard), 5000):
            # ``<> ''`` lets the partial unique index on the blind index serve the lookup.
            for c in (
                Craftsman.objects.filter(id_number_index__in=chunk)
                .exclude(id_number_index="")
                .select_related("org")
            ):
                found[c.pk] = c
        mobiles = {key.rsplit("|", 1)[1] for key in soft}
        for chunk in chunks(sorted(mobiles), 5000):
            for c in Craftsman.objects.filter(mobile_index__in=chunk).select_related("org"):
                found[c.pk] = c
        if not found:
            return {}, {}
        visible: set[int] = set()
        for chunk in chunks(sorted(found)):
            visible.update(
                Craftsman.objects.visible_to(self.user, "change")
                .filter(pk__in=chunk)
                .values_list("pk", flat=True)
            )
        viewable = set(visible)  # what the user may not change but may see is named
        for chunk in chunks(sorted(set(found) - visible)):
            viewable.update(
                Craftsman.objects.visible_to(self.user, "view")
                .filter(pk__in=chunk)
                .values_list("pk", flat=True)
            )
        honours: dict[int, list[tuple[str, str, int]]] = {}
        items: dict[int, list[tuple[str, str]]] = {}
        for chunk in chunks(sorted(visible)):
            for cid, h_type, level, year in Honour.objects.filter(
                craftsman_id__in=chunk
            ).values_list("craftsman_id", "honour_type", "level", "year"):
                honours.setdefault(cid, []).append((h_type, level, year))
            for cid, s_type, title in ServiceItem.objects.filter(
                craftsman_id__in=chunk
            ).values_list("craftsman_id", "service_type", "title"):
                items.setdefault(cid, []).append((s_type, title))
        by_hard: dict[str, Existing] = {}
        by_soft: dict[str, Existing] = {}
        for c in found.values():
            existing = Existing(
                pk=c.pk,
                values=self._values(c, honours.get(c.pk, []), items.get(c.pk, [])),
                label=c.name,
                visible=c.pk in visible,
                hard_key=c.id_number_index or None,
                owner=c.org.name,
                in_scope=c.pk in viewable,
            )
            if c.id_number_index in hard:
                by_hard[c.id_number_index] = existing
            if c.mobile_index and c.employer_name:
                key = f"{c.name_normalized}|{employer_key(c.employer_name)}|{c.mobile_index}"
                if key in soft:
                    by_soft[key] = existing
        return by_hard, by_soft

    def _values(
        self, c: Craftsman, honours: list[tuple[str, str, int]], items: list[tuple[str, str]]
    ) -> dict[str, Any]:
        values = {field: getattr(c, field) for field in PLAIN_FIELDS}
        values["org_id"] = c.org_id
        values["name_key"] = c.name_normalized
        values["honours"] = honours
        values["service_items"] = items
        return values

    def display(self, name: str, value: Any) -> str:
        if name in (
            "industries",
            "occupations",
            "regions_served",
            "service_modes",
            "expertise_tags",
        ):
            scheme = services.CODE_LIST_FIELDS[name][0]
            return "、".join(f"{self.resolver.label(scheme, c)}" for c in value or []) or "（空）"
        if name in ("skill_level", "skill_post", "professional_title") and value:
            return self.resolver.label(name, value)
        if name == "gender" and value:
            return str(Gender(value).label)
        return super().display(name, value)

    # -- writing ---------------------------------------------------------------------------------

    def write(self, creates: list[Group], updates: list[Group], progress: ProgressFn) -> None:
        total = len(creates) + len(updates)
        self._warm([*creates, *updates])
        getattr(self.user, "org", None)  # the default unit, loaded now for the same reason
        self._ids = reserve_ids(Craftsman, len(creates))
        with bulk_loading(Craftsman._meta.db_table), pipelined():
            self._write(creates, updates, progress, total)

    @contextmanager
    def writing(self, rows: int) -> Iterator[None]:
        """New profiles written while the file is checked: every code key, skill rank and a key
        for each row fetched first (a lookup would wait for the COPY in flight), then the same
        pipelined COPY as ``write``. Keys of rows that end up elsewhere are left unused."""
        self._warm_all()
        getattr(self.user, "org", None)
        self._ids = reserve_ids(Craftsman, rows)
        with bulk_loading(Craftsman._meta.db_table), pipelined():
            yield

    def write_new(self, groups: list[Group]) -> None:
        self._create(groups)

    def _warm_all(self) -> None:
        from jiangqiao.taxonomy.models import Term

        for scheme in {scheme for scheme, _, _ in services.CODE_LIST_FIELDS.values()}:
            codes = Term.objects.filter(scheme=scheme).values_list("code", flat=True)
            for code, key in code_keys_many(scheme, codes).items():
                self._keys[(scheme, code)] = key
        for code in Term.objects.filter(scheme="skill_level").values_list("code", flat=True):
            self._rank("skill_level", code)

    def _write(
        self, creates: list[Group], updates: list[Group], progress: ProgressFn, total: int
    ) -> None:
        done = 0
        for batch in chunks(creates, 2000):
            self._create(batch)
            done += len(batch)
            progress(done, total, f"正在写入：{done}/{total}")
        for batch in chunks(updates, 500):
            self._update(batch)
            done += len(batch)
            progress(done, total, f"正在写入：{done}/{total}")

    def _apply(self, craftsman: Craftsman, data: dict[str, Any]) -> None:
        for field in PLAIN_FIELDS:
            if field in data and data[field] is not None:
                setattr(craftsman, field, data[field])
        if data.get("org_id"):
            craftsman.org_id = data["org_id"]
        elif not craftsman.org_id:
            craftsman.org_id = self.default_org().pk
        # Every text went through the normaliser while the rows were checked.
        services.set_derived(craftsman, rank=self._rank, normalized=True)

    def _rank(self, scheme: str, code: str) -> int | None:
        cache = self.__dict__.setdefault("_ranks", {})
        if code not in cache:
            cache[code] = services._term_rank(scheme, code)
        return cache[code]  # type: ignore[no-any-return]

    def _check_model(self, craftsman: Craftsman, rows: list[int]) -> None:
        """A last guard on column sizes (the spec's checks cover every other model rule; a test
        keeps the spec's limits equal to the model's)."""
        for name, limit, label in _CHAR_LIMITS:
            value = getattr(craftsman, name)
            if isinstance(value, str) and len(value) > limit:
                raise BusinessError(f"第{rows[0]}行【{label}】最多 {limit} 个字")

    def _children(
        self, craftsman_id: int, honours: Iterable[Any], items: Iterable[Any]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        actor_id = getattr(self.user, "pk", None)
        h_rows = [
            {
                "craftsman_id": craftsman_id,
                "honour_type": h_type,
                "level": level,
                "year": year,
                "created_by_id": actor_id,
                "updated_by_id": actor_id,
            }
            for h_type, level, year in honours
        ]
        i_rows = [
            {
                "craftsman_id": craftsman_id,
                "title": title,
                "service_type": s_type,
                "created_by_id": actor_id,
                "updated_by_id": actor_id,
            }
            for s_type, title in items
        ]
        return h_rows, i_rows

    def _create(self, groups: list[Group]) -> None:
        actor = self.user
        rows: list[Craftsman] = []
        for group in groups:
            c = Craftsman(created_by=actor, updated_by=actor)
            self._apply(c, group.merged)
            self._check_model(c, [m.row for m in group.members])
            c.search_text = services.search_text_for(
                c, (title for _, title in group.merged.get("service_items") or []), normalized=True
            )
            rows.append(c)
        # Keys first, then plain multi-row INSERTs (bulk_create's per-value overhead was a third of
        # the import's time).
        ids, self._ids = self._ids[: len(rows)], self._ids[len(rows) :]
        for c, pk in zip(rows, ids, strict=True):
            c.pk = pk
        values = [
            {field.attname: getattr(c, field.attname) for field in Craftsman._meta.concrete_fields}
            for c in rows
        ]
        insert_rows(Craftsman, values, batch_size=1000, with_pk=True)
        honours: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        # About ten index rows per profile: plain tuples, the cheapest path.
        codes: list[tuple[int, str, str, str]] = []
        for c, group in zip(rows, groups, strict=True):
            group.pk = pk = c.pk
            h_rows, i_rows = self._children(
                pk, group.merged.get("honours") or [], group.merged.get("service_items") or []
            )
            honours.extend(h_rows)
            items.extend(i_rows)
            types = {i["service_type"] for i in i_rows}
            codes.extend(
                (pk, scheme, code, key)
                for (scheme, code), key in services.code_keys(c, types, key_of=self._key_of).items()
            )
        insert_rows(Honour, honours)
        insert_rows(ServiceItem, items)
        insert_tuples(CraftsmanCode, ("craftsman", "scheme", "code", "key"), codes)
        changelog.bulk_write(
            [(c, None) for c in rows], ChangeAction.CREATE, actor=actor, message="批量导入"
        )

    def _update(self, groups: list[Group]) -> None:
        actor = self.user
        pks = [g.existing.pk for g in groups if g.existing]
        current = {c.pk: c for c in Craftsman.objects.select_for_update().filter(pk__in=pks)}
        entries: list[tuple[Any, dict[str, Any] | None]] = []
        new_honours: list[dict[str, Any]] = []
        new_items: list[dict[str, Any]] = []
        changed: list[Craftsman] = []
        for group in groups:
            assert group.existing is not None
            c = current[group.existing.pk]
            before = changelog.snapshot(c, include_m2m=False)
            changes = group.changes
            self._apply(c, {k: v for k, v in changes.items() if k in PLAIN_FIELDS or k == "org_id"})
            self._check_model(c, [m.row for m in group.members])
            old_h = set(group.existing.values.get("honours") or [])
            old_i = {t for _, t in group.existing.values.get("service_items") or []}
            add_h = [h for h in changes.get("honours") or [] if h not in old_h]
            add_i = [i for i in changes.get("service_items") or [] if i[1] not in old_i]
            h_rows, i_rows = self._children(c.pk, add_h, add_i)
            new_honours.extend(h_rows)
            new_items.extend(i_rows)
            c.version = (c.version or 0) + 1
            c.updated_by = actor
            changed.append(c)
            entries.append((c, before))
        fields = [
            *PLAIN_FIELDS,
            "org",
            "name_normalized",
            "id_number_index",
            "mobile_index",
            "expertise_normalized",
            "bio_normalized",
            "skill_rank",
            "version",
            "updated_by",
            "updated_at",
        ]
        from django.utils import timezone

        now = timezone.now()
        for c in changed:
            c.updated_at = now
        Craftsman.objects.bulk_update(changed, fields, batch_size=500)
        insert_rows(Honour, new_honours)
        insert_rows(ServiceItem, new_items)
        for c in changed:
            services._sync_derived(c)
        changelog.bulk_write(entries, ChangeAction.UPDATE, actor=actor, message="批量导入更新")


def _strip_label(message: str) -> str:
    """``身份证号：校验码错误`` → ``校验码错误`` (the engine adds the column name)."""
    head, sep, rest = message.partition("：")
    return rest if sep and len(head) <= 16 else message


# ------------------------------------------------------------------------------------------------
# Export
# ------------------------------------------------------------------------------------------------


#: Coded attributes of a profile → their scheme, for the export's labels.
_EXPORT_CODES = {
    **{field: scheme for field, (scheme, _, _) in services.CODE_LIST_FIELDS.items()},
    "skill_level": "skill_level",
    "skill_post": "skill_post",
    "professional_title": "professional_title",
}


def _prepare_export(chunk: list[Craftsman], ctx: ExportContext) -> None:
    ctx.load_labels(chunk, _EXPORT_CODES)
    ids = [c.pk for c in chunk]
    honours: dict[int, list[str]] = {}
    for cid, h_type, year in Honour.objects.filter(craftsman_id__in=ids).values_list(
        "craftsman_id", "honour_type", "year"
    ):
        honours.setdefault(cid, []).append(f"{ctx.label('honour', h_type) or h_type}({year})")
    items: dict[int, list[str]] = {}
    for cid, title in ServiceItem.objects.filter(craftsman_id__in=ids, is_active=True).values_list(
        "craftsman_id", "title"
    ):
        items.setdefault(cid, []).append(title)
    ctx.extra["honours"] = honours
    ctx.extra["items"] = items


def _honour_labels_once(ctx: ExportContext) -> None:
    if "honour" not in ctx.labels:
        from jiangqiao.taxonomy.models import Term

        ctx.labels["honour"] = dict(
            Term.objects.filter(scheme="honour").values_list("code", "name")
        )


def _prepare(chunk: list[Craftsman], ctx: ExportContext) -> None:
    _honour_labels_once(ctx)
    _prepare_export(chunk, ctx)


_GENDER = choice_labels(Gender)
_STATUS = choice_labels(CraftsmanStatus)

CRAFTSMAN_EXPORT = ExportSpec(
    key="talents.craftsman",
    title="劳模工匠",
    sensitive_permission="talents.view_sensitive_craftsman",
    select_related=("org",),
    only=(
        "name",
        "gender",
        "birth_year",
        "id_number",
        "mobile",
        "employer_name",
        "employer_uscc",
        "position",
        "org__name",
        "industries",
        "occupations",
        "skill_level",
        "skill_post",
        "professional_title",
        "expertise_tags",
        "expertise",
        "service_modes",
        "regions_served",
        "cross_region_ok",
        "max_open_services",
        "max_new_per_month",
        "status",
        "created_at",
    ),
    prepare=_prepare,
    columns=(
        ExportColumn("编号", lambda c, ctx: c.pk, 8),
        ExportColumn("姓名", lambda c, ctx: c.name, 10),
        ExportColumn("性别", lambda c, ctx: _GENDER.get(c.gender, ""), 6),
        ExportColumn("出生年份", lambda c, ctx: c.birth_year, 8),
        ExportColumn("身份证号", lambda c, ctx: c.id_number, 22, sensitive="id_number"),
        ExportColumn("手机号", lambda c, ctx: c.mobile, 14, sensitive="mobile"),
        ExportColumn("工作单位", lambda c, ctx: c.employer_name, 28),
        ExportColumn("工作单位统一社会信用代码", lambda c, ctx: c.employer_uscc, 22),
        ExportColumn("岗位/职务", lambda c, ctx: c.position, 14),
        ExportColumn("所属工会", lambda c, ctx: c.org.name, 20),
        ExportColumn("所属行业", lambda c, ctx: ctx.labels_of("industry", c.industries), 24),
        ExportColumn("职业（工种）", lambda c, ctx: ctx.labels_of("occupation", c.occupations), 20),
        ExportColumn("职业技能等级", lambda c, ctx: ctx.label("skill_level", c.skill_level), 10),
        ExportColumn("技能岗位（评聘）", lambda c, ctx: ctx.label("skill_post", c.skill_post), 10),
        ExportColumn(
            "职称", lambda c, ctx: ctx.label("professional_title", c.professional_title), 10
        ),
        ExportColumn("荣誉称号", lambda c, ctx: ctx.extra["honours"].get(c.pk, []), 30),
        ExportColumn(
            "专长领域", lambda c, ctx: ctx.labels_of("demand_category", c.expertise_tags), 20
        ),
        ExportColumn("技术专长", lambda c, ctx: c.expertise, 40),
        ExportColumn("技术服务项目", lambda c, ctx: ctx.extra["items"].get(c.pk, []), 36),
        ExportColumn("服务方式", lambda c, ctx: ctx.labels_of("service_mode", c.service_modes), 16),
        ExportColumn("服务地区", lambda c, ctx: ctx.labels_of("region", c.regions_served), 16),
        ExportColumn("接受跨地区服务", lambda c, ctx: c.cross_region_ok, 8),
        ExportColumn("同时进行的服务上限", lambda c, ctx: c.max_open_services, 8),
        ExportColumn("每月新接服务上限", lambda c, ctx: c.max_new_per_month, 8),
        ExportColumn("状态", lambda c, ctx: _STATUS.get(c.status, c.status), 8),
        ExportColumn("登记时间", lambda c, ctx: c.created_at, 16),
    ),
)
