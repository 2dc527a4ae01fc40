"""Declarative column specs: one spec drives the template, the header matching and the checks.

An app declares, in its ``io.py``, an :class:`ImportSpec` (columns with Chinese labels, aliases,
kinds, reference schemes, examples and notes) and an :class:`~jiangqiao.core.io.engine.Importer`
subclass that turns a checked row into a record. Because the template is generated from the same
spec, the template and the importer never drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

#: Column kinds understood by :mod:`jiangqiao.core.io.engine`.
KINDS = {
    "text",  # one line of text (normalised)
    "longtext",  # text with line breaks kept
    "int",
    "decimal",
    "date",
    "bool",
    "choice",  # ``choices`` by label or value
    "code",  # one code of ``scheme`` by code or name
    "codes",  # several codes of ``scheme``
    "identifier",  # ID number, mobile, USCC: half-width, no blanks, upper case
    "org",  # a union unit by name, short name or USCC, within the user's scope
    "list",  # several free-text entries (tags, service items)
}
#: Columns whose cells Excel must keep as text (leading zeros, 18-digit numbers).
TEXT_FORMAT_KINDS = {"identifier"}


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    scheme: str = ""
    levels: tuple[int, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 0
    minimum: int | None = None
    maximum: int | None = None
    limit: int = 20
    example: Any = ""
    note: str = ""
    width: int = 16
    #: Personal data: masked in previews and exports unless the user may see it.
    sensitive: bool = False
    #: Offer a drop-down in the template (code lists, choices; not the 1,000+ entry schemes).
    dropdown: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def header(self) -> str:
        return f"{self.label}*" if self.required else self.label


@dataclass(frozen=True)
class ImportSpec:
    key: str  # "talents.craftsman"
    title: str  # "劳模工匠"
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()
    #: Permission needed to import (besides ``add``/``change`` of the model).
    permission: str = ""
    model_label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def label(self, name: str) -> str:
        if name.endswith("_id") and name != "id":
            name = name[:-3]
        try:
            return self.column(name).label
        except KeyError:
            return name


_HEADER_NOISE = re.compile(r"[\s*＊※()（）\[\]【】:：_\-—·.]|必填|选填|可选")


def header_key(text: Any) -> str:
    """A header cell reduced for matching: ``身份证号码*（必填）`` → ``身份证号码``."""
    from jiangqiao.text import search_key

    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    return _HEADER_NOISE.sub("", search_key(value))


#: Aliases every spec understands, on top of its own and the configured ones.
COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("名字", "姓名名称", "人员姓名"),
    "id_number": ("身份证号码", "身份证", "证件号码", "证件号", "公民身份号码", "身份证件号码"),
    "mobile": ("手机", "手机号码", "联系电话", "联系方式", "移动电话", "电话"),
    "uscc": ("信用代码", "社会信用代码", "统一代码", "统一社会信用代码证号"),
    "industries": ("行业", "所属行业", "行业类别", "国民经济行业"),
    "industry_code": ("行业", "所属行业", "行业类别", "国民经济行业"),
    "org": ("所属工会", "工会", "所属单位工会", "管理单位", "推荐单位"),
}


def header_map(
    spec: ImportSpec, configured: dict[str, list[str]] | None = None
) -> dict[str, Column]:
    """Every accepted header key → its column (label, aliases, common and configured aliases)."""
    mapping: dict[str, Column] = {}
    configured = configured or {}
    for col in spec.columns:
        names = [
            col.label,
            *col.aliases,
            *COMMON_ALIASES.get(col.name, ()),
            *configured.get(col.name, []),
        ]
        for name in names:
            key = header_key(name)
            if key and key not in mapping:
                mapping[key] = col
    return mapping
