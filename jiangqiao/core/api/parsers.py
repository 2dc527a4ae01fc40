"""Request parsers whose errors are Chinese and never a 500.

DRF's parsers report “JSON parse error - Expecting value: line 1 column 1 (char 0)” and
“Multipart form parse error - Invalid boundary in multipart: None”, and a body nested deeper than
Python's recursion limit escapes as ``RecursionError`` (a 500). These say the same in Chinese,
with the line and column of a JSON error.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from jiangqiao.core.messages import json_error_zh

JSON_TOO_DEEP = "请求体 JSON 嵌套层数过深，无法解析"
NOT_UTF8 = "请求体不是 UTF-8 编码的文本（第 {position} 字节处），请以 UTF-8 编码发送 JSON"
MULTIPART_BROKEN = (
    "multipart/form-data 请求体格式有误（缺少或不匹配的 boundary），请按 multipart 规范上传文件"
)


def chinese_parse_error(exc: BaseException | None, media_type: str = "") -> str:
    """The Chinese message of a body that could not be parsed (``exc`` is what the parser hit)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"请求体不是有效的 JSON：{json_error_zh(exc)}"
    if isinstance(exc, UnicodeDecodeError):
        return NOT_UTF8.format(position=exc.start + 1)
    if isinstance(exc, RecursionError):
        return JSON_TOO_DEEP
    if "multipart" in media_type:
        return MULTIPART_BROKEN
    return "请求体格式有误，无法解析"


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(JSON_TOO_DEEP) from exc
        except ParseError as exc:
            raise ParseError(chinese_parse_error(exc.__context__, "json")) from exc


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            raise ParseError(chinese_parse_error(exc.__context__, "multipart")) from exc
