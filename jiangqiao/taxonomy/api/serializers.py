"""Serializers of the taxonomy API: tags, list rows, details, and the query parameters."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..choices import Scheme
from ..models import Term
from ..selectors import MAX_QUERY_LENGTH, term_ancestors, term_children


class TagSerializer(serializers.ModelSerializer):
    """A term as a tag ``{scheme, code, label, version}``."""

    label = serializers.CharField(source="name", read_only=True)  # type: ignore[assignment]

    class Meta:
        model = Term
        fields = ["scheme", "code", "label", "version"]
        read_only_fields = fields


class SearchResultSerializer(TagSerializer):
    """A search hit: the tag plus its level and full name (``广东省 / 深圳市``)."""

    class Meta(TagSerializer.Meta):
        fields = [*TagSerializer.Meta.fields, "level", "path_label"]
        read_only_fields = fields


class TermSerializer(TagSerializer):
    """A row of a list."""

    level_name = serializers.CharField(read_only=True)

    class Meta(TagSerializer.Meta):
        fields = [
            *TagSerializer.Meta.fields,
            "name",
            "level",
            "level_name",
            "parent_code",
            "path_label",
            "rank",
            "is_active",
        ]
        read_only_fields = fields


class TermDetailSerializer(TermSerializer):
    """One entry with its text fields, extra attributes, ancestors and children."""

    ancestors = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()

    class Meta(TermSerializer.Meta):
        fields = [
            *TermSerializer.Meta.fields,
            "description",
            "note",
            "tasks",
            "extra",
            "ancestors",
            "children",
        ]
        read_only_fields = fields

    def get_ancestors(self, obj: Term) -> list[dict[str, Any]]:
        return TagSerializer(term_ancestors(obj), many=True).data  # type: ignore[return-value]

    def get_children(self, obj: Term) -> list[dict[str, Any]]:
        return TagSerializer(term_children(obj.scheme, obj.code), many=True).data  # type: ignore[return-value]


_SCHEME_MESSAGES: dict[str, Any] = {
    "required": "缺少参数 scheme（分类方案）。",
    "invalid_choice": "参数 scheme 无效：未知的分类方案“{input}”。",
    "blank": "参数 scheme 不能为空。",
}


class SchemeQuerySerializer(serializers.Serializer):
    """The ``scheme`` query parameter (required)."""

    scheme = serializers.ChoiceField(
        choices=Scheme.choices, help_text="分类方案", error_messages=_SCHEME_MESSAGES
    )


class TermQuerySerializer(SchemeQuerySerializer):
    """Filters of the term list."""

    level = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=9,
        help_text="层级（行业：1 门类…4 小类；区划：1 省级、2 地级、3 县级；职业：1 大类…4 细类）",
        error_messages={
            "invalid": "参数 level 必须是整数。",
            "min_value": "参数 level 不能小于 {min_value}。",
            "max_value": "参数 level 不能大于 {max_value}。",
            "max_string_length": "参数 level 过长。",
        },
    )
    parent = serializers.CharField(  # type: ignore[assignment]
        required=False,
        max_length=32,
        help_text="上级代码：只列出其直接下级",
        error_messages={"max_length": "参数 parent 过长：最多 {max_length} 个字符。"},
    )
    within = serializers.CharField(
        required=False,
        max_length=32,
        help_text="祖先代码：列出其全部下级（如某省的地级和县级）",
        error_messages={"max_length": "参数 within 过长：最多 {max_length} 个字符。"},
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_QUERY_LENGTH,
        help_text="检索：代码前缀（4403、C34、6-28）、名称或拼音首字母（szs）",
        error_messages={"max_length": "参数 q 过长：最多 {max_length} 个字符。"},
    )


class SearchQuerySerializer(TermQuerySerializer):
    """Parameters of the search endpoint."""

    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=50,
        default=20,
        help_text="最多返回条数（1–50，默认 20）",
        error_messages={
            "invalid": "参数 limit 必须是整数。",
            "min_value": "参数 limit 不能小于 {min_value}。",
            "max_value": "参数 limit 不能大于 {max_value}。",
            "max_string_length": "参数 limit 过长。",
        },
    )


class SchemeLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class SchemeSerializer(serializers.Serializer):
    """A scheme with its version and entry counts."""

    scheme = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    version = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    levels = SchemeLevelSerializer(many=True)
