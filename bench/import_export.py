"""Import of a 100,000-row craftsman sheet and export of 300,000 demands (issue 5, point 7).

    # a database with the demo province (org tree, accounts), e.g. PostgreSQL:
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/jq_import DJANGO_SETTINGS_MODULE=config.settings.bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_reference_data \
        && .venv/bin/python manage.py setup_roles && .venv/bin/python manage.py demo_data --size small
    .venv/bin/python bench/import_export.py sheet --rows 100000 --out bench/out/craftsmen-100k.xlsx
    .venv/bin/python bench/import_export.py import bench/out/craftsmen-100k.xlsx
    # on the large demo set (300,000 demands):
    DATABASE_URL=postgres://…/jq_bench .venv/bin/python bench/import_export.py export --format xlsx

The sheet is generated with the demo generator (same industries, occupations, texts and valid
identifiers as ``demo_data --size large``), written with the headers another city might use
(证件号码, 手机, 单位, 技能等级 …), with 2% bad rows (five kinds of error) and 5% duplicates of other
rows (traditional characters, spaces, dashes in the mobile, or no ID number at all so that only
name + employer + mobile can recognise them). The import runs the real workflow (upload, check,
commit in the "valid rows" mode) in this process; the script prints the wall-clock time of each
phase, the peak memory (ru_maxrss) and checks that the counts add up exactly.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django

django.setup()

HEADER = [
    "姓名",
    "性别",
    "出生年份",
    "证件号码",
    "手机",
    "单位",
    "单位信用代码",
    "岗位",
    "所属工会",
    "所属行业",
    "职业（工种）",
    "技能等级",
    "证书编号",
    "发证机构",
    "发证日期",
    "荣誉称号",
    "专长领域",
    "技术专长",
    "个人简介",
    "技术服务项目",
    "服务方式",
    "服务地区",
    "接受跨地区服务",
    "同时进行的服务上限",
    "每月新接服务上限",
]
BAD_KINDS = ("id", "industry", "date", "name", "level")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_children_mb() -> float:
    """The largest peak of the finished child processes (the forked .xlsx writer)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def make_sheet(rows: int, out: Path, seed: int, *, bad: bool = True) -> dict[str, float]:
    import xlsxwriter
    from opencc import OpenCC

    from jiangqiao.demo import people
    from jiangqiao.demo.build import CITY_WEIGHTS, load_catalogue
    from jiangqiao.orgs.models import Organization
    from jiangqiao.taxonomy.models import Term

    rng = random.Random(seed)
    to_trad = OpenCC("s2t")
    industries = load_catalogue()
    labels = {
        scheme: dict(Term.objects.filter(scheme=scheme).values_list("code", "name"))
        for scheme in (
            "skill_level",
            "honour",
            "demand_category",
            "service_mode",
            "service_type",
            "region",
        )
    }
    counties: list[tuple[str, str, str]] = []  # (county code, city code, union name)
    for org in Organization.objects.filter(level="county").select_related("parent"):
        if org.parent and org.parent.region_code in CITY_WEIGHTS:
            counties.append((org.region_code, org.parent.region_code, org.name))
    if not counties:
        raise SystemExit("no demo counties: run `manage.py demo_data --size small` first")
    bad_every, dup_every = 50, 20  # 2 %, 5 %
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("劳模工匠名单")
    text = book.add_format({"num_format": "@"})
    sheet.write_row(0, 0, HEADER)
    kept: list[list[Any]] = []
    counts: dict[str, float] = {"rows": 0, "bad": 0, "duplicate": 0}
    seq = 0
    # Distinct seeds give distinct people (ID numbers), so several sheets can go into one database.
    seq_base = 1_000_000 + (seed % 20) * 200_000
    for r in range(1, rows + 1):
        if r % dup_every == 0 and kept:
            base = list(rng.choice(kept))
            variant = r // dup_every % 4
            if variant == 0:
                base[0] = to_trad.convert(base[0])  # 張偉 for 张伟
            elif variant == 1:
                base[5] = (
                    " ".join(base[5])[:60]
                    if len(base[5]) < 30
                    else base[5].replace("有限", " 有限 ")
                )
            elif variant == 2:
                base[4] = f"{base[4][:3]}-{base[4][3:7]}-{base[4][7:]}"
                base[3] = ""  # no ID number: name + employer + mobile must find it
            else:
                base[0] = to_trad.convert(base[0])
                base[3] = ""
            row = base
            counts["duplicate"] += 1
        else:
            county, city, union = rng.choice(counties)
            industry = rng.choice(industries)
            data, honours, items = people.craftsman(rng, industry, county, city, seq_base + seq)
            seq += 1
            row = [
                data["name"],
                "男" if data["gender"] == "male" else "女",
                data["birth_year"],
                data["id_number"],
                data["mobile"],
                data["employer_name"],
                data["employer_uscc"],
                data["position"],
                union,
                "、".join(data["industries"]),
                "、".join(data["occupations"]),
                labels["skill_level"][data["skill_level"]].split("/")[-1],
                data["skill_cert_no"],
                data["skill_cert_issuer"],
                data["skill_cert_date"].isoformat(),
                "、".join(f"{labels['honour'][h['honour_type']]}({h['year']})" for h in honours),
                "、".join(labels["demand_category"][t] for t in data["expertise_tags"]),
                data["expertise"],
                data["bio"],
                "、".join(
                    f"{labels['service_type'][i['service_type']]}：{i['title']}" for i in items
                ),
                "、".join(labels["service_mode"][m] for m in data["service_modes"]),
                "、".join(labels["region"][c] for c in data["regions_served"]),
                "是" if data["cross_region_ok"] else "否",
                data["max_open_services"],
                data["max_new_per_month"],
            ]
            if bad and r % bad_every == bad_every // 2:
                kind = BAD_KINDS[(r // bad_every) % len(BAD_KINDS)]
                if kind == "id":
                    last = row[3][-1]
                    row[3] = row[3][:-1] + ("0" if last != "0" else "1")
                elif kind == "industry":
                    row[9] = "Z9999"
                elif kind == "date":
                    row[14] = "2024-02-30"
                elif kind == "name":
                    row[0] = "名" * 60
                else:
                    row[11] = "九级工"
                counts["bad"] += 1
            elif len(kept) < 20_000 or rng.random() < 0.2:
                kept.append(row)
        for c, value in enumerate(row):
            if c in (3, 4, 6):
                sheet.write_string(r, c, str(value), text)
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write_string(r, c, str(value))
        counts["rows"] += 1
    book.close()
    return counts


def run_import(path: Path, username: str) -> dict[str, Any]:
    from jiangqiao.accounts.models import User
    from jiangqiao.core.io import services

    user = User.objects.get(username=username)
    data = path.read_bytes()
    phases: dict[str, float] = {}
    started = time.perf_counter()
    batch = services.import_upload(
        actor=user,
        spec_key="talents.craftsman",
        file_name=path.name,
        data=data,
        source_label="基准测试名单",
    )
    services.import_set_options(actor=user, batch=batch, mode="valid")
    phases["upload"] = time.perf_counter() - started

    marks: dict[str, float] = {}

    def progress(done: int, total: int | None = None, message: str = "") -> None:
        if message.startswith("正在查找重复") and "checked" not in marks:
            marks["checked"] = time.perf_counter()
        if message.startswith("正在写入") and "writing" not in marks:
            marks["writing"] = time.perf_counter()

    t0 = time.perf_counter()
    services.import_commit(actor=user, batch=batch, progress=progress)
    t1 = time.perf_counter()
    # PostgreSQL: the n-gram index's pending list is merged by a background task after the
    # commit (the data is already searchable); time that merge here, separately.
    from jiangqiao.core.search import merge_pending
    from jiangqiao.talents.models import Craftsman

    merge_pending(Craftsman._meta.db_table)
    t2 = time.perf_counter()
    batch.refresh_from_db()
    counts = batch.result["committed_counts"]
    parts = ("new", "update", "unchanged", "duplicate", "error")
    return {
        "file_mb": round(len(data) / 1024 / 1024, 1),
        "commit_seconds": round(t1 - t0, 1),
        # The rows that are new records of their own are written while the file is checked
        # (engine._Stream): this phase is reading, checking and most of the writing.
        "read_check_and_write_new_seconds": round(marks.get("checked", t1) - t0, 1),
        "duplicates_seconds": round(marks.get("writing", t1) - marks.get("checked", t1), 1),
        "write_rest_seconds": round(t1 - marks.get("writing", t1), 1),
        "total_seconds": round(t1 - started, 1),
        "index_merge_after_commit_seconds": round(t2 - t1, 1),
        "peak_rss_mb": round(peak_mb(), 0),
        "counts": counts,
        "counts_add_up": sum(counts[k] for k in parts) == counts["total"],
        "database": django.db.connection.vendor,
    }


def run_export(fmt: str, username: str, out: Path) -> dict[str, Any]:
    from jiangqiao.accounts.models import User
    from jiangqiao.core.io import export as X
    from jiangqiao.demands.io import DEMAND_EXPORT
    from jiangqiao.demands.models import Demand

    user = User.objects.get(username=username)
    qs = Demand.objects.visible_to(user, "view").order_by("-created_at", "-pk")
    started = time.perf_counter()
    total = qs.count()
    ctx = X.context_for(DEMAND_EXPORT, user)
    rows = X.rows(DEMAND_EXPORT, qs, ctx)
    if fmt == "csv":
        with out.open("wb") as handle:
            for chunk in X.csv_stream(rows):
                handle.write(chunk)
    else:
        with out.open("wb") as handle:
            X.write_xlsx(
                rows,
                handle,
                title="需求",
                widths=[c.width for c in DEMAND_EXPORT.columns],
                parallel=total >= X.PARALLEL_XLSX_ROWS,  # as the export job does
            )
    elapsed = time.perf_counter() - started
    return {
        "rows": total,
        "format": fmt,
        "seconds": round(elapsed, 1),
        "file_mb": round(out.stat().st_size / 1024 / 1024, 1),
        "peak_rss_mb": round(peak_mb(), 0),
        "writer_process_peak_rss_mb": round(peak_children_mb(), 0),
        "database": django.db.connection.vendor,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sheet")
    s.add_argument("--rows", type=int, default=100_000)
    s.add_argument("--seed", type=int, default=20261203)
    s.add_argument("--out", type=Path, default=Path("bench/out/craftsmen-100k.xlsx"))
    s.add_argument("--no-bad", action="store_true", help="no bad rows (an all-or-nothing import)")
    i = sub.add_parser("import")
    i.add_argument("path", type=Path)
    i.add_argument("--user", default="gd_taskforce")
    e = sub.add_parser("export")
    e.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    e.add_argument("--user", default="gd_taskforce")
    e.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.cmd == "sheet":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        counts = make_sheet(args.rows, args.out, args.seed, bad=not args.no_bad)
        counts["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(counts, ensure_ascii=False))
    elif args.cmd == "import":
        print(json.dumps(run_import(args.path, args.user), ensure_ascii=False, indent=1))
    else:
        out = args.out or Path(f"bench/out/demands-export.{args.format}")
        out.parent.mkdir(parents=True, exist_ok=True)
        print(json.dumps(run_export(args.format, args.user, out), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
