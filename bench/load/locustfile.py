"""HTTP load scenario of 匠桥 (issue 17, point 10): run by bench/load/run.sh, see docs/performance.md.

Four kinds of users on the demo province (bench/load/prepare.py readied the accounts):

* **clerks** (ns_staff, sz_staff, gz_staff) open the demand and craftsman lists, filter them
  (status, kind, keyword, page 2) and open a demand;
* **enterprise contacts** (ent_contact) open the phone form and submit a demand;
* **staff** (ns_staff, sz_staff) open a demand's 推荐工匠 panel and recompute it (htmx POST);
* **one importer** (ns_staff) uploads a demand sheet larger than the inline limit, waits for the
  background check, commits it as a background job and waits for the result.

Every request counts as failed unless it answers 2xx after redirects and the page is the one
expected (a login page, an error page or a form answered 400 is a failure). Requests are named
by page, not by URL, so the CSV lists p50/p95 per page.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "Jiangqiao@2026")
DATA = Path(os.environ.get("LOAD_DATA", "var/load"))
TARGETS: dict[str, Any] = json.loads((DATA / "targets.json").read_text(encoding="utf-8"))
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
KEYWORDS = ["数控", "焊接", "培训", "电气", "模具", "质量", "安全", "设备"]
_clerks = itertools.cycle(TARGETS["clerks"])
_staff = itertools.cycle(TARGETS["staff"])


def hidden_fields(html: str) -> dict[str, str]:
    return dict(HIDDEN.findall(html))


class JiangqiaoUser(HttpUser):
    abstract = True
    username = ""
    #: Accounts taken in turn by the users of this class (instead of one fixed ``username``).
    accounts: Any = None

    def on_start(self) -> None:
        if self.accounts is not None:
            self.username = next(self.accounts)
        self.demands = TARGETS["demands"].get(self.username) or [0]
        self.client.get("/accounts/login/", name="登录页")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
                "next": "/",
            },
            name="登录",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/accounts/login" in response.url:
                response.failure(f"登录失败：{response.status_code} {response.url}")

    def page(self, url: str, name: str, expect: str = "") -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif "/accounts/login" in response.url:
                response.failure("会话已失效")
            elif expect and expect not in response.text:
                response.failure(f"页面缺少“{expect}”")
            return response.text or ""

    @property
    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")


class Clerk(JiangqiaoUser):
    """工会工作人员: lists, filters, details."""

    weight = 12
    wait_time = between(5, 15)
    accounts = _clerks

    @task(4)
    def demand_list(self) -> None:
        self.page("/demands/", "需求列表", "需求")

    @task(3)
    def demand_list_filtered(self) -> None:
        status = random.choice(["submitted", "triaged", "matching", "in_service"])
        kind = random.choice(["tech_problem", "skill_training", "management"])
        self.page(f"/demands/?status={status}&kind={kind}", "需求列表（状态+类型筛选）", "需求")

    @task(2)
    def demand_search(self) -> None:
        self.page(f"/demands/?q={random.choice(KEYWORDS)}&page=1", "需求列表（关键字）", "需求")

    @task(1)
    def demand_list_page_2(self) -> None:
        self.page("/demands/?page=2", "需求列表（第2页）", "需求")

    @task(3)
    def craftsman_list(self) -> None:
        self.page("/talents/craftsmen/", "工匠列表", "工匠")

    @task(2)
    def craftsman_filtered(self) -> None:
        self.page(f"/talents/craftsmen/?q={random.choice(KEYWORDS)}", "工匠列表（关键字）", "工匠")

    @task(3)
    def demand_detail(self) -> None:
        self.page(f"/demands/{random.choice(self.demands)}/", "需求详情", "需求")

    @task(1)
    def enterprise_list(self) -> None:
        self.page("/demands/enterprises/", "企业列表", "企业")

    @task(1)
    def home(self) -> None:
        self.page("/", "首页")


class EnterpriseContact(JiangqiaoUser):
    """企业联络人: the phone form, then the done page; now and then 我的需求."""

    weight = 5
    wait_time = between(10, 30)
    username = TARGETS["enterprise"]

    @task(4)
    def submit_demand(self) -> None:
        html = self.page("/demands/submit/", "手机提交需求（表单）", "form_token")
        fields = hidden_fields(html)
        data = {
            "csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", self.csrf),
            "form_token": fields.get("form_token", ""),
            "enterprise": fields.get("enterprise", ""),
            "kind": "tech_problem",
            "title": f"压测需求 {random.randint(1, 10**9)}：注塑件缩痕与飞边",
            "description": "注塑车间近期产品缩痕、飞边增多，需要模具与工艺方面的劳模工匠指导调整。",
            "current_state": "已调整保压时间，效果不明显。",
            "desired_outcome": "不良率降到 1% 以下。",
            "delivery_mode": "onsite",
            "deadline": (
                datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=30)
            ).isoformat(),
            "action": "submit",
        }
        with self.client.post(
            "/demands/submit/", data=data, name="手机提交需求（提交）", catch_response=True
        ) as response:
            if response.status_code != 200 or "/done/" not in response.url:
                response.failure(f"未提交：HTTP {response.status_code} {response.url}")

    @task(1)
    def my_demands(self) -> None:
        self.page("/demands/", "我的需求", "我的需求")


class Staff(JiangqiaoUser):
    """工会工作人员 running 推荐工匠 on a demand (inline ranking, htmx panel)."""

    weight = 3
    wait_time = between(10, 30)
    accounts = _staff

    @task
    def suggestions(self) -> None:
        pk = random.choice(self.demands)
        self.page(f"/demands/{pk}/", "需求详情（推荐前）", "需求")
        with self.client.post(
            f"/matching/demands/{pk}/suggestions/refresh/",
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf, "Referer": self.host},
            name="推荐工匠（重新计算）",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif "推荐" not in response.text:
                response.failure("没有推荐面板")


class Importer(JiangqiaoUser):
    """One clerk importing a demand sheet: check and commit run as background jobs (RQ)."""

    fixed_count = 1
    wait_time = between(20, 40)
    username = "ns_staff"

    def wait_for_job(self, batch_url: str, done: str, name: str, limit: float = 240) -> bool:
        began = time.monotonic()
        while time.monotonic() - began < limit:
            html = self.page(batch_url, name)
            if done in html:
                return True
            time.sleep(3)
        return False

    @task
    def import_sheet(self) -> None:
        self.page("/import/demands.demand/", "导入页")
        sheet = (DATA / "import-demands.csv").read_bytes()
        began = time.monotonic()
        with self.client.post(
            "/import/demands.demand/",
            data={
                "csrfmiddlewaretoken": self.csrf,
                "mode": "valid",
                "policy": "fill",
                "source_label": "压测导入",
            },
            files={"file": ("压测需求.csv", sheet, "text/csv")},
            name="导入（上传）",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/imports/" not in response.url:
                response.failure(f"上传失败：HTTP {response.status_code} {response.url}")
                return
            batch_url = response.url.split("?")[0].replace(self.host, "")
        if not self.wait_for_job(batch_url, 'value="commit"', "导入批次（等待检查）"):
            self.environment.events.request.fire(
                request_type="JOB",
                name="导入检查（后台任务）",
                response_time=(time.monotonic() - began) * 1000,
                response_length=0,
                exception=RuntimeError("检查超时"),
                context={},
            )
            return
        self.environment.events.request.fire(
            request_type="JOB",
            name="导入检查（后台任务）",
            response_time=(time.monotonic() - began) * 1000,
            response_length=0,
            exception=None,
            context={},
        )
        html = self.page(batch_url, "导入批次")
        fields = hidden_fields(html)
        began = time.monotonic()
        with self.client.post(
            f"{batch_url}action/",
            data={
                "csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", self.csrf),
                "form_token": fields.get("form_token", ""),
                "action": "commit",
                "mode": "valid",
                "policy": "fill",
            },
            name="导入（提交）",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
        finished = self.wait_for_job(batch_url, "已导入", "导入批次（等待提交）")
        self.environment.events.request.fire(
            request_type="JOB",
            name="导入提交（后台任务）",
            response_time=(time.monotonic() - began) * 1000,
            response_length=0,
            exception=None if finished else RuntimeError("提交超时"),
            context={},
        )
