"""Edit to visible, end to end on a real database (issue 17, point 8: "a profile edit is visible in
suggestions within a minute").

    DJANGO_SETTINGS_MODULE=config.settings.bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/p6load \\
        .venv/bin/python bench/matching_edit_visible.py [--edits 5]

Starts the builder as production runs it (``manage.py run_periodic --loop``, the ticks unit),
waits for its first sync with the database (timed: after a start it reads everything), then ``--edits`` times: changes one active, consented
craftsman's 专长描述 through ``talents.services.craftsman_update`` (as a staff member would, in a
committed transaction) to a phrase no profile contains, and polls, as a web process does, the
shared index (``matching.shared.state()``: the mapped snapshot, looking for a new generation every
``JIANGQIAO_MATCH_INDEX_CHECK_SECONDS``) until the craftsman's record there holds the new text
(his place among all craftsmen for a query of the phrase is printed too: text signals are
normalised over the candidates, so a score of one craftsman alone says nothing). Prints each delay and the median / max, and writes ``bench/out/matching_edit_visible.json``.
The builder is stopped at the end. The edits stay in the database (use the load database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from jiangqiao.matching import shared  # noqa: E402
from jiangqiao.matching.engine import Filters, Query  # noqa: E402
from jiangqiao.talents.models import Craftsman  # noqa: E402
from jiangqiao.talents.selectors import matchable_craftsmen  # noqa: E402
from jiangqiao.talents.services import craftsman_update  # noqa: E402

OUT = ROOT / "bench" / "out"
#: Phrases no demo or load profile contains (checked below), one per edit.
PHRASES = [
    "钛合金涡轮叶片激光熔覆修复与残余应力消除",
    "高铁转向架构架焊缝相控阵超声检测",
    "盾构机主轴承密封失效分析与更换",
    "核电站主泵机械密封研磨工艺",
    "航空发动机机匣电子束焊接变形校正",
    "风电齿轮箱行星轮点蚀在线监测",
    "锂电池极片辊压厚度一致性控制",
    "大型船用曲轴红套工艺参数优化",
    "光伏硅片金刚线切割断线率降低",
    "注塑模具随形冷却水路三维打印",
    "数控龙门铣床热变形误差补偿",
    "轨道交通受电弓碳滑板磨耗分析",
    "制药冻干机真空泄漏快速定位",
    "汽车白车身点焊飞溅抑制与电极修磨",
    "变压器绕组真空干燥工艺改进",
    "食品灌装线无菌阀门清洗验证",
    "水泥回转窑托轮窜动调整",
    "半导体洁净室微振动治理",
]


def wait_for_first_sync(since: dt.datetime, timeout: float) -> float:
    """Seconds until the builder started at ``since`` has synced the snapshot with the database
    once (its first sync after a start reads everything: the documented exception to the
    minute, so the edits are timed after it)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        checked = shared.freshness().get("checked_at")
        if checked is not None and checked >= since:
            return time.monotonic() - started
        time.sleep(1)
    raise SystemExit(f"the builder did not sync within {timeout:.0f} s")


def holds(pk: int, phrase: str) -> bool:
    """Whether the generation a web process would rank on now holds the craftsman's new text."""
    ranked = shared.state().experts.rank(
        Query(id="probe", title=phrase, description=phrase),
        top=1,
        filters=Filters(only=[str(pk)]),
        explain=False,
    )
    compact = phrase.replace(" ", "")
    return bool(ranked) and any(
        compact in e.text.replace(" ", "") for e in ranked[0].expert.evidence
    )


def place(pk: int, phrase: str) -> int | None:
    """The craftsman's place among all for a query of the phrase (None beyond 10)."""
    ranked = shared.state().experts.rank(
        Query(id="place", title=phrase, description=phrase), top=10, explain=False
    )
    return next((n for n, r in enumerate(ranked, start=1) if int(r.expert.id) == pk), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()
    since = timezone.now()
    builder = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "run_periodic", "--loop"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first_sync = wait_for_first_sync(since, args.timeout)
        print(f"builder's first sync after its start: {first_sync:.1f} s", flush=True)
        actor = get_user_model().objects.filter(is_superuser=False, username="gd_taskforce").first()
        if actor is None:
            raise SystemExit("user gd_taskforce missing: run on the demo / load database")
        pool = list(
            matchable_craftsmen().order_by("pk").values_list("pk", flat=True)[: args.edits * 7 : 7]
        )
        delays: list[float] = []
        places: list[int | None] = []
        # Phrases an earlier run already wrote into a profile are not new any more.
        fresh = [p for p in PHRASES if not Craftsman.objects.filter(expertise__contains=p).exists()]
        if len(fresh) < args.edits:
            raise SystemExit(f"only {len(fresh)} unused phrases left: rebuild the load database")
        for number, (pk, phrase) in enumerate(zip(pool, fresh, strict=False), start=1):
            if holds(pk, phrase):
                raise SystemExit(f"craftsman {pk} already holds {phrase}")
            craftsman = Craftsman.objects.get(pk=pk)
            craftsman_update(
                actor=actor,
                craftsman=craftsman,
                data={"expertise": f"{craftsman.expertise or ''}\n擅长{phrase}".strip()},
                version=craftsman.version,
            )
            committed = time.monotonic()
            seen = None
            while time.monotonic() - committed < args.timeout:
                if holds(pk, phrase):
                    seen = time.monotonic() - committed
                    break
                time.sleep(0.5)
            if seen is None:
                raise SystemExit(f"edit {number}: craftsman {pk} unchanged after {args.timeout} s")
            where = place(pk, phrase)
            places.append(where)
            delays.append(seen)
            print(
                f"edit {number}: craftsman {pk}'s new text in the index after {seen:.1f} s "
                f"(place for the phrase: {where or '> 10'})",
                flush=True,
            )
        result = {
            "builder_first_sync_s": round(first_sync, 1),
            "edits": len(delays),
            "delays_s": [round(d, 1) for d in delays],
            "places": places,
            "median_s": round(statistics.median(delays), 1),
            "max_s": round(max(delays), 1),
            "craftsmen_indexed": shared.state().records,
            "refresh_seconds": shared._setting("JIANGQIAO_MATCH_INDEX_REFRESH_SECONDS", 20),
            "check_seconds": shared._setting("JIANGQIAO_MATCH_INDEX_CHECK_SECONDS", 2),
        }
        print(json.dumps(result, ensure_ascii=False), flush=True)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "matching_edit_visible.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    finally:
        builder.terminate()
        builder.wait(timeout=60)


if __name__ == "__main__":
    main()
