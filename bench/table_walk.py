"""Browser walk over every list page: does any table column fall off an office screen?

Logs in as each user, follows every item of the user's menu, and on each page with a list table
measures (in the browser) the table's width against its card and every header's right edge against
the viewport. A column whose right edge lies beyond the visible part of the card is *hidden* (the
user has to scroll the table sideways to find it). Screenshots go to ``--shots``.

Needs Playwright (any Python with it installed) and a system Chromium; the server runs separately
(``make run`` or ``manage.py run_platform --port …``)::

    python bench/table_walk.py --base http://127.0.0.1:8311 --users sz_staff sysadmin \
        --sizes 1366x768 390x844 --shots bench/out/table-walk

Exit status 1 when a key column (状态 / 编号 / 标题 / 名称 / 姓名 / 工会·单位·组织) is hidden at a width
of 1200 px or more.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

KEY_HEADERS = re.compile(r"状态|编号|标题|名称|姓名|工会|单位|组织|处理人")

MEASURE = """
() => {
  const out = [];
  document.querySelectorAll('table').forEach((table) => {
    const box = table.closest('.table-responsive') || table.parentElement;
    const boxRect = box.getBoundingClientRect();
    const right = Math.min(boxRect.right, window.innerWidth);
    const heads = [...table.querySelectorAll('thead th')]
      .filter((th) => th.offsetParent !== null)
      .map((th) => {
        const r = th.getBoundingClientRect();
        return {text: th.innerText.trim(), left: Math.round(r.left), right: Math.round(r.right),
                hidden: r.right > right + 1};
      });
    out.push({scrollWidth: table.scrollWidth, boxWidth: Math.round(box.clientWidth),
              viewport: window.innerWidth, heads});
  });
  return out;
}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--users", nargs="+", default=["sz_staff", "sysadmin"])
    parser.add_argument("--password", default="Jiangqiao@2026")
    parser.add_argument("--sizes", nargs="+", default=["1366x768", "390x844"])
    parser.add_argument("--shots", default="bench/out/table-walk")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--json", help="write the measurements here")
    parser.add_argument("--only", nargs="*", default=[], help="only menu addresses starting so")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    shots = Path(args.shots)
    shots.mkdir(parents=True, exist_ok=True)
    results = []
    failed = False
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium)
        for user in args.users:
            for size in args.sizes:
                width, height = (int(x) for x in size.split("x"))
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{args.base}/accounts/login/")
                page.fill("#id_username", user)
                page.fill("#id_password", args.password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                links = page.eval_on_selector_all(
                    "#navbar-menu .dropdown-item",
                    "els => els.map(e => [e.innerText.trim(), e.getAttribute('href')])",
                )
                for label, href in links:
                    if not href or href.startswith("/api/"):
                        continue
                    if args.only and not any(href.startswith(o) for o in args.only):
                        continue
                    response = page.goto(f"{args.base}{href}")
                    page.wait_for_load_state("networkidle")
                    status = response.status if response else 0
                    tables = page.evaluate(MEASURE)
                    slug = re.sub(r"[^A-Za-z0-9]+", "_", href).strip("_") or "home"
                    page.screenshot(path=str(shots / f"{user}-{size}-{slug}.png"), full_page=False)
                    hidden = [h["text"] for t in tables for h in t["heads"] if h["hidden"]]
                    key_hidden = [h for h in hidden if KEY_HEADERS.search(h)]
                    overflow = any(t["scrollWidth"] > t["boxWidth"] + 1 for t in tables)
                    row = {
                        "user": user,
                        "size": size,
                        "page": label,
                        "url": href,
                        "status": status,
                        "tables": len(tables),
                        "overflow": overflow,
                        "hidden": hidden,
                        "key_hidden": key_hidden,
                    }
                    results.append(row)
                    if key_hidden and width >= 1200:
                        failed = True
                    mark = "HIDDEN " + "、".join(key_hidden) if key_hidden else ""
                    extra = f"(不在屏内: {'、'.join(hidden)})" if hidden else ""
                    print(f"{user:10} {size:9} {status} {label:12} {href:40} {mark} {extra}")
                page.close()
        browser.close()
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    pages = {(r["user"], r["url"]) for r in results}
    print(
        f"\n{len(pages)} pages × sizes = {len(results)} views; key columns hidden at ≥1200 px: "
        f"{sum(1 for r in results if r['key_hidden'] and int(r['size'].split('x')[0]) >= 1200)}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
