"""Reference data: one ``Term`` table for every classification scheme.

Reference data is global (not owned by an organisation) and written only by the loader
(:func:`jiangqiao.taxonomy.services.load_all`). One table keeps search, validation, the API and
the picker identical for every scheme; the scheme-specific columns (``description``, ``note``,
``tasks``, ``rank``) are simply blank where a scheme has no such attribute, and anything rarer
goes to ``extra``.

Other apps store *codes* (``CharField`` with :class:`~jiangqiao.taxonomy.fields.TermCodeField`
or a validator from :mod:`jiangqiao.taxonomy.validators`), not foreign keys: a tag is
``{scheme, code, label, version}`` and survives a reload of the reference data.
"""

from __future__ import annotations

from typing import TypedDict

from django.db import models
from django.urls import reverse

from jiangqiao.core.models import TimeStampedModel

from .choices import SCHEMES, Scheme


class Tag(TypedDict):
    """A classification tag as exchanged with other systems (STANDARDS.md §9.5)."""

    scheme: str
    code: str
    label: str
    version: str


class TermQuerySet(models.QuerySet["Term"]):
    def of(self, scheme: str) -> TermQuerySet:
        return self.filter(scheme=scheme)

    def active(self) -> TermQuerySet:
        return self.filter(is_active=True)


class Term(TimeStampedModel):
    """One entry of a classification scheme (an industry class, a region, an occupation, ...)."""

    scheme = models.CharField("分类方案", max_length=32, choices=Scheme.choices)
    code = models.CharField("代码", max_length=64)
    name = models.CharField("名称", max_length=200, help_text="与来源一致，不做改写")
    level = models.PositiveSmallIntegerField("层级", default=1)
    parent_code = models.CharField("上级代码", max_length=64, blank=True)
    path = models.CharField(
        "代码路径", max_length=200, blank=True, help_text="自顶层至本条的代码，以“/”分隔"
    )
    path_label = models.CharField("完整名称", max_length=500, blank=True)
    version = models.CharField("版本", max_length=64)
    description = models.TextField(
        "说明", blank=True, help_text="行业分类的“说明”、职业分类的“定义”或代码清单的说明"
    )
    note = models.TextField("备注", blank=True)
    tasks = models.TextField("主要工作任务", blank=True)
    sort = models.PositiveIntegerField("排序", default=0)
    rank = models.PositiveSmallIntegerField(
        "资历序",
        null=True,
        blank=True,
        help_text="随资历、级别或规模递增；比较技能等级时用它，不用“几级”的数字",
    )
    weight = models.SmallIntegerField("检索权重", default=0, help_text="同等匹配时权重高者在前")
    extra = models.JSONField("附加属性", default=dict, blank=True)
    search_name = models.CharField("检索名称", max_length=200, help_text="规范化并转小写的名称")
    initials = models.CharField("拼音首字母", max_length=100, blank=True)
    pinyin = models.CharField("全拼", max_length=400, blank=True)
    is_active = models.BooleanField("有效", default=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = "分类条目"
        verbose_name_plural = "分类条目"
        ordering = ["scheme", "sort", "code"]
        permissions = [("load_reference_data", "重新加载标准代码")]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="taxonomy_term_scheme_code"),
        ]
        indexes = [
            models.Index(fields=["scheme", "search_name"], name="taxonomy_term_name"),
            models.Index(fields=["scheme", "initials"], name="taxonomy_term_initials"),
            models.Index(fields=["scheme", "pinyin"], name="taxonomy_term_pinyin"),
            models.Index(fields=["scheme", "parent_code", "sort"], name="taxonomy_term_parent"),
            models.Index(fields=["scheme", "path"], name="taxonomy_term_path"),
            models.Index(fields=["scheme", "level", "sort"], name="taxonomy_term_level"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("taxonomy:term_detail", args=[self.scheme, self.code])

    @property
    def label(self) -> str:
        return self.name

    @property
    def level_name(self) -> str:
        return SCHEMES[self.scheme].level_name(self.level)

    @property
    def scheme_label(self) -> str:
        return SCHEMES[self.scheme].label

    @property
    def display_label(self) -> str:
        """How a chosen value is shown in forms and lists.

        Regions and demand categories show their path (``广东省 / 深圳市``), the coded national
        classifications show code and name (``3461 金属切削机床制造``), code lists their name.
        """
        if self.scheme in (Scheme.REGION, Scheme.DEMAND_CATEGORY):
            return self.path_label or self.name
        if self.scheme in (Scheme.INDUSTRY, Scheme.OCCUPATION):
            return f"{self.code} {self.name}"
        return self.name

    def as_tag(self) -> Tag:
        """The entry as a tag ``{scheme, code, label, version}``."""
        return Tag(scheme=self.scheme, code=self.code, label=self.name, version=self.version)

    def path_codes(self) -> list[str]:
        """Codes from the top level down to this entry."""
        return self.path.split("/") if self.path else [self.code]
