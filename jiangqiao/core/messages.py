"""Chinese wording for errors the standard library raises in English (no Django import).

``json.JSONDecodeError`` and ``csv.Error`` carry English text (“Expecting value”, “field larger
than field limit (131072)”) that must not reach a user: these helpers say the same in Chinese,
with the line and column where the library knows them.
"""

from __future__ import annotations

import csv
import json

_JSON_REASONS = (
    ("Expecting value", "此处缺少一个值（或多了逗号）"),
    (
        "Expecting property name enclosed in double quotes",
        "此处应为用英文双引号括起的字段名（或多了逗号）",
    ),
    ("Expecting ':' delimiter", "字段名后缺少英文冒号“:”"),
    ("Expecting ',' delimiter", "两项之间缺少英文逗号“,”"),
    ("Illegal trailing comma", "最后一项后面多了逗号"),
    ("Extra data", "JSON 结束后还有多余的内容"),
    ("Unterminated string", "字符串缺少结束的双引号"),
    ("Invalid control character", "字符串中有未转义的控制字符（如换行）"),
    ("Invalid \\uXXXX escape", "字符串中有无效的 \\u 转义"),
    ("Invalid \\escape", "字符串中有无效的转义字符"),
)


def json_error_zh(exc: json.JSONDecodeError) -> str:
    """“第 3 行第 12 列：此处缺少一个值（或多了逗号）”."""
    reason = next((zh for en, zh in _JSON_REASONS if exc.msg.startswith(en)), "格式有误")
    return f"第 {exc.lineno} 行第 {exc.colno} 列：{reason}"


def csv_error_zh(exc: csv.Error, line: int) -> str:
    """The message of a ``csv.Error`` raised while reading line ``line`` of a CSV file."""
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"第{line}行有一个单元格超过 {csv.field_size_limit()} 个字符的上限"
            "（常见原因是引号不配对，使后面的内容都并入了这一格），请检查该行的英文双引号"
        )
    if "NUL" in text:
        return f"第{line}行含有空字符（NUL），文件可能不是文本表格或已损坏，请另存为“CSV UTF-8”后再导入"
    if "new-line character" in text:
        return f"第{line}行有未加引号的单元格中含换行符，请将该单元格用英文双引号括起"
    return f"第{line}行无法按 CSV 格式读取（引号或分隔符有误），请另存为“CSV UTF-8”后再导入"
