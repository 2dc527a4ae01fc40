"""Prepare a demo database for the HTTP load and soak runs (bench/load/run.sh, soak.py).

Run after ``manage.py run_platform --no-serve`` built the demo into ``DATABASE_URL``::

    DJANGO_SETTINGS_MODULE=config.settings.bench DATABASE_URL=postgres://… \\
        .venv/bin/python bench/load/prepare.py --out var/load

* every account may sign in with the demo password at once (no forced change, password fresh);
* ``var/load/targets.json``: the demand ids each load account may open (for the suggestions
  of the staff users), the enterprise of the enterprise contact;
* ``var/load/import-demands.csv``: a demand sheet above the inline import size
  (``JIANGQIAO_IMPORT_INLINE_MAX_BYTES``), so that its check and commit run as background jobs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from jiangqiao.accounts.models import User  # noqa: E402
from jiangqiao.demands.choices import DemandKind, DemandStatus  # noqa: E402
from jiangqiao.demands.models import Demand, Enterprise  # noqa: E402

#: The load's accounts: none of them is privileged (no second factor).
CLERKS = ["ns_staff", "sz_staff", "gz_staff"]
STAFF = ["ns_staff", "sz_staff"]
ENTERPRISE = "ent_contact"
IMPORTER = "ns_staff"
OPEN = [DemandStatus.SUBMITTED, DemandStatus.TRIAGED, DemandStatus.MATCHING]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="var/load")
    parser.add_argument("--import-rows", type=int, default=400)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    # Bench database only: the demo accounts' initial password stays valid for the run.
    User.objects.update(must_change_password=False, password_changed_at=timezone.now())

    targets: dict[str, object] = {"clerks": CLERKS, "staff": STAFF, "enterprise": ENTERPRISE}
    demands: dict[str, list[int]] = {}
    for name in sorted(set(CLERKS + STAFF)):
        user = User.objects.get(username=name)
        ids = list(
            Demand.objects.visible_to(user, "view")
            .filter(status__in=OPEN)
            .order_by("-id")
            .values_list("id", flat=True)[:200]
        )
        demands[name] = ids
    targets["demands"] = demands
    (out / "targets.json").write_text(json.dumps(targets, ensure_ascii=False, indent=1))

    importer = User.objects.get(username=IMPORTER)
    usccs = list(
        Enterprise.objects.visible_to(importer, "view")
        .order_by("id")
        .values_list("uscc", flat=True)[:50]
    )
    limit = int(settings.JIANGQIAO_IMPORT_INLINE_MAX_BYTES)
    path = out / "import-demands.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["企业统一社会信用代码", "需求类型", "需求标题", "需求描述", "现状", "期望效果"]
        )
        for row in range(args.import_rows):
            writer.writerow(
                [
                    usccs[row % len(usccs)],
                    DemandKind.TECH_PROBLEM.label,
                    f"压测导入需求 {row + 1}：数控设备主轴振动与加工精度下降",
                    "生产线上的数控加工中心近期主轴振动加大，零件尺寸超差，"
                    "需要劳模工匠到现场诊断主轴轴承与刀柄的配合，并指导班组调整工艺参数。" * 2,
                    "已更换刀具，问题仍在。",
                    "恢复加工精度，形成点检规程。",
                ]
            )
    size = path.stat().st_size
    print(
        f"accounts ready; targets: {', '.join(f'{k} {len(v)}' for k, v in demands.items())}; "
        f"import sheet {size} bytes ({'background job' if size > limit else 'INLINE: add rows'})"
    )


if __name__ == "__main__":
    main()
