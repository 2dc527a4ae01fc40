"""``manage.py load_reference_data``: load (or refresh) the reference classifications."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiangqiao.taxonomy.choices import Scheme
from jiangqiao.taxonomy.services import load_all


class Command(BaseCommand):
    help = (
        "加载参考分类数据（国民经济行业分类、行政区划、职业分类大典及平台代码清单）。"
        "可重复执行：只写入有变化的条目，并按分类方案报告新增/更新/未变/停用条数。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scheme",
            action="append",
            choices=Scheme.values,
            dest="schemes",
            help="只加载指定的分类方案（可重复）；默认加载全部。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        load_all(self.stdout, schemes=options.get("schemes"))
