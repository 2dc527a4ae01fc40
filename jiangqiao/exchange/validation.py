"""Validation of exchange lines against the JSON Schemas in ``schemas/`` (draft 2020-12).

Every problem becomes ``(field, message)`` with a Chinese message; the field is a path such as
``data.honours[0].year``. Codes in tags are checked against the reference data here too, so an
unknown code is reported with its path before anything is written.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from jiangqiao.taxonomy.choices import SCHEMES
from jiangqiao.taxonomy.selectors import term_info

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
TYPE_LABELS = {
    "object": "对象",
    "array": "列表",
    "string": "文本",
    "integer": "整数",
    "number": "数值",
    "boolean": "布尔值（true/false）",
    "null": "null",
}


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def path_of(prefix: str, parts: Any) -> str:
    text = prefix
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text or "（整行）"


def _type_names(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    return "或".join(TYPE_LABELS.get(n, str(n)) for n in names)


def _message(err: ValidationError) -> tuple[list[Any], str]:
    """(path parts, Chinese message) for one schema error."""
    parts = list(err.absolute_path)
    v = err.validator
    value = err.validator_value
    if v == "required":
        instance = err.instance if isinstance(err.instance, dict) else {}
        missing = [k for k in value if k not in instance]
        return [*parts, missing[0] if missing else ""], "缺少必填字段"
    if v == "additionalProperties":
        instance = err.instance if isinstance(err.instance, dict) else {}
        allowed = set((err.schema or {}).get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed)
        return parts, f"包含未定义的字段：{'、'.join(extra)}"
    if v == "type":
        return parts, f"类型应为{_type_names(value)}"
    if v == "const":
        return parts, f"应为“{value}”，实际为“{err.instance}”"
    if v == "enum":
        options = "、".join("空" if o in ("", None) else str(o) for o in value)
        return parts, f"取值“{err.instance}”不在允许范围内（{options}）"
    if v == "pattern":
        return parts, f"格式不正确：“{str(err.instance)[:40]}”"
    if v == "maxLength":
        return parts, f"最多 {value} 个字符（当前 {len(err.instance)} 个）"
    if v == "minLength":
        return parts, "不能为空"
    if v == "maximum":
        return parts, f"不能大于 {value}"
    if v == "minimum":
        return parts, f"不能小于 {value}"
    if v == "maxItems":
        return parts, f"最多 {value} 项"
    if v == "anyOf":
        # A nullable tag or reference: report the most specific inner problem.
        best = None
        for sub in err.context or []:
            if best is None or len(sub.absolute_path) > len(best.absolute_path):
                best = sub
        if best is not None and best.validator not in ("type", "anyOf"):
            return _message(best)
        return parts, "类型或结构不正确（应为标签对象、引用对象或 null）"
    return parts, err.message


def schema_errors(name: str, instance: Any, prefix: str = "") -> list[tuple[str, str]]:
    """All problems of ``instance`` against schema ``name`` (sorted by path)."""
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(map(str, e.path)))
    result = []
    for err in errors:
        parts, message = _message(err)
        result.append((path_of(prefix, parts), message))
    return result


def code_errors(data: Any, prefix: str = "data") -> list[tuple[str, str]]:
    """Tags whose code is not in the reference data (e.g. an industry code that does not exist)."""
    problems: list[tuple[str, str]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            if "scheme" in value and "code" in value and isinstance(value.get("code"), str):
                scheme = str(value["scheme"])
                info = SCHEMES.get(scheme)
                if info is not None and term_info(scheme, value["code"]) is None:
                    problems.append(
                        (path, f"{info.code_noun}“{value['code']}”不存在（{info.reference}）")
                    )
                return
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    walk(data, prefix)
    return problems
