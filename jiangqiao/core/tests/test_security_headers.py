"""Headers and limits (issue 17, point 3), checked the way securityheaders.com does: on real responses.

* every page and API answer carries a strict Content-Security-Policy (no inline script, no eval,
  no framing), Referrer-Policy, Permissions-Policy, nosniff, X-Frame-Options and COOP;
* no template and no rendered page has an inline script, an inline event handler or a
  ``javascript:`` URL (the CSP would block them: they must never come back);
* uploads above their kind's limit, and request bodies above the server's, are refused in Chinese
  with nothing saved (never a 500);
* the API throttles answer 429 with ``Retry-After``; one address failing logins across accounts is
  paused and the pause is in the login log.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from jiangqiao.accounts.models import LoginLog
from jiangqiao.core.models import ImportBatch
from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.testing.personas import PASSWORD
from jiangqiao.core.uploads import human_size

APP_DIR = Path(settings.APP_DIR)


def csp(response: HttpResponse) -> dict[str, list[str]]:
    """The Content-Security-Policy of ``response`` as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


# An inline script: a <script> element without src (a JSON data block of json_script is data,
# not script, and is allowed); an on…= event-handler attribute; a javascript: URL.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>"
)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S)
JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def inline_script_findings(text: str) -> list[str]:
    return [
        m.group(0)[:120] for rx in (INLINE_SCRIPT, EVENT_HANDLER, JS_URL) for m in rx.finditer(text)
    ]


class TestSecurityHeaders(WorldTestCase):
    def assert_secure_headers(self, response: HttpResponse, where: str) -> None:
        policy = csp(response)
        self.assertTrue(policy, f"{where}: no Content-Security-Policy")
        self.assertEqual(policy["default-src"], ["'self'"], where)
        self.assertEqual(policy["script-src"], ["'self'"], where)
        for directive in ("script-src", "default-src", "style-src-elem"):
            self.assertNotIn("'unsafe-inline'", policy[directive], f"{where}: {directive}")
            self.assertNotIn("'unsafe-eval'", policy[directive], f"{where}: {directive}")
        self.assertEqual(policy["frame-ancestors"], ["'none'"], where)
        self.assertEqual(policy["object-src"], ["'none'"], where)
        self.assertEqual(policy["base-uri"], ["'none'"], where)
        self.assertEqual(policy["form-action"], ["'self'"], where)
        self.assertEqual(policy["img-src"], ["'self'", "data:"], where)
        self.assertEqual(response.headers.get("X-Frame-Options"), "DENY", where)
        self.assertEqual(response.headers.get("X-Content-Type-Options"), "nosniff", where)
        self.assertEqual(response.headers.get("Referrer-Policy"), "same-origin", where)
        self.assertEqual(response.headers.get("Cross-Origin-Opener-Policy"), "same-origin", where)
        permissions = response.headers.get("Permissions-Policy", "")
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            self.assertIn(f"{feature}=()", permissions, f"{where}: {feature}")

    def test_pages_and_api_answers_carry_the_security_headers(self) -> None:
        anonymous = {
            "login": reverse("accounts:login"),
            "certificate check (public)": reverse("academy:verify"),
            "missing page": "/no-such-page/",
        }
        for where, url in anonymous.items():
            with self.subTest(where):
                response = self.client.get(url)
                self.assertIn(response.status_code, (200, 404), where)
                self.assert_secure_headers(response, where)
        self.login(self.world.city_admin_a)
        signed_in = {
            "home": reverse("core:home"),
            "organisation list": reverse("orgs:organization_list"),
            "organisation list (htmx)": reverse("orgs:organization_list"),
            "cockpit": reverse("dashboards:cockpit"),
            "API docs": reverse("api-docs"),
        }
        for where, url in signed_in.items():
            with self.subTest(where):
                extra = {"HTTP_HX_REQUEST": "true"} if "htmx" in where else {}
                response = self.client.get(url, **extra)
                self.assertEqual(response.status_code, 200, where)
                self.assert_secure_headers(response, where)
                self.assertEqual(inline_script_findings(response.content.decode()), [], where)
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        response = api.get("/api/v1/orgs/organizations/")
        self.assertEqual(response.status_code, 200)
        self.assert_secure_headers(response, "API list")

    def test_the_api_docs_page_loads_its_script_and_style_from_files(self) -> None:
        self.login(self.world.city_admin_a)
        page = self.client.get(reverse("api-docs")).content.decode()
        self.assertNotIn("<style", page)
        self.assertEqual(inline_script_findings(page), [])
        script = self.client.get(reverse("api-docs") + "?script")
        self.assertEqual(script.status_code, 200)
        self.assertIn("SwaggerUIBundle", script.content.decode())

    def test_the_browsable_api_has_no_inline_style_or_script(self) -> None:
        self.login(self.world.city_admin_a)
        response = self.client.get("/api/v1/orgs/organizations/", HTTP_ACCEPT="text/html")
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("rest_framework/js/default.js", page)
        self.assertNotIn("<style", page)
        self.assertEqual(inline_script_findings(page), [])
        self.assert_secure_headers(response, "browsable API")


class TestNoInlineScriptInTemplates(WorldTestCase):
    def test_no_template_has_an_inline_script_handler_or_javascript_url(self) -> None:
        findings = []
        templates = sorted(APP_DIR.rglob("templates/**/*.html"))
        self.assertGreater(len(templates), 100)
        for path in templates:
            for hit in inline_script_findings(path.read_text(encoding="utf-8")):
                findings.append(f"{path.relative_to(APP_DIR)}: {hit}")
        self.assertEqual(findings, [])

    def test_no_python_source_writes_an_inline_handler_into_html(self) -> None:
        findings = []
        for path in sorted(APP_DIR.rglob("*.py")):
            if "tests" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for hit in inline_script_findings(text):
                findings.append(f"{path.relative_to(APP_DIR)}: {hit}")
        self.assertEqual(findings, [])

    def test_no_static_script_of_ours_evaluates_strings_or_writes_handlers(self) -> None:
        forbidden = re.compile(
            r"\beval\(|new Function\(|setTimeout\(\s*[\"']|\son[a-z]+\s*=\s*[\"']"
        )
        scripts = sorted(APP_DIR.rglob("static/**/*.js"))
        self.assertGreater(len(scripts), 3)
        findings = [
            f"{path.relative_to(APP_DIR)}: {m.group(0)}"
            for path in scripts
            for m in forbidden.finditer(path.read_text(encoding="utf-8"))
        ]
        self.assertEqual(findings, [])

    def test_the_scanner_finds_what_it_looks_for(self) -> None:
        bad = [
            "<script>alert(1)</script>",
            '<button class="btn" onclick="return confirm(\'x\')">',
            '<form method="post"\n      onsubmit="return confirm(1)">',
            '<a href="javascript:history.back()">',
        ]
        for text in bad:
            with self.subTest(text):
                self.assertTrue(inline_script_findings(text))
        good = [
            '<script src="/static/jiangqiao/app.js" defer></script>',
            '<script id="cockpit-data" type="application/json">{"a": 1}</script>',
            '<button class="btn" data-confirm="确定？">',
            "<p>javascript: 不是链接</p>",
        ]
        for text in good:
            with self.subTest(text):
                self.assertEqual(inline_script_findings(text), [])


def upload_import(client: Any, user: Any, data: bytes) -> tuple[HttpResponse, Any]:
    """Send ``data`` as a craftsman import through the page and through the API."""
    client.force_login(user)
    page = client.post(
        reverse("core:import_start", args=["talents.craftsman"]),
        {"file": SimpleUploadedFile("名单.csv", data), "mode": "all", "policy": "fill"},
    )
    api = APIClient()
    api.force_authenticate(user)
    response = api.post(
        "/api/v1/imports/batches/",
        {"spec": "talents.craftsman", "file": SimpleUploadedFile("a.csv", data)},
        format="multipart",
    )
    return page, response


class TestUploadAndRequestLimits(WorldTestCase):
    @override_settings(JIANGQIAO_REQUEST_MAX_BYTES=2000)
    def test_a_body_above_the_request_limit_is_413_in_chinese_and_nothing_is_saved(self) -> None:
        before = ImportBatch.objects.count()
        page, response = upload_import(self.client, self.world.city_admin_a, b"x" * 5000)
        self.assertEqual(page.status_code, 413)
        text = page.content.decode()
        self.assertIn("提交的内容过大", text)
        self.assertIn(f"超过上限 {human_size(2000)}", text)
        self.assertIn("未作任何保存", text)
        self.assert_headers_kept(page)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["limit_bytes"], 2000)
        self.assertIn("提交的内容过大", response.json()["detail"])
        self.assertEqual(ImportBatch.objects.count(), before)
        # A small body still goes through.
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 200)

    def assert_headers_kept(self, response: HttpResponse) -> None:
        self.assertEqual(csp(response)["script-src"], ["'self'"])
        self.assertEqual(response.headers.get("X-Frame-Options"), "DENY")

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_form_fields_above_the_form_limit_are_413_not_500(self) -> None:
        response = self.client.post(
            reverse("accounts:login"), {"username": "张" * 2000, "password": "x"}
        )
        self.assertEqual(response.status_code, 413)
        self.assertIn(f"超过上限 {human_size(1000)}", response.content.decode())
        api = APIClient()
        api.force_authenticate(self.world.city_admin_a)
        response = api.post("/api/v1/imports/batches/", {"spec": "x" * 3000}, format="multipart")
        self.assertEqual(response.status_code, 413)
        self.assertIn("提交的内容过大", response.json()["detail"])

    @override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5)
    def test_too_many_form_fields_is_400_in_chinese(self) -> None:
        response = self.client.post(reverse("accounts:login"), {f"f{n}": "1" for n in range(20)})
        self.assertEqual(response.status_code, 400)
        self.assertIn("请求有误", response.content.decode())

    @override_settings(JIANGQIAO_EXCHANGE_MAX_BYTES=1000)
    def test_an_oversized_exchange_file_is_refused_by_page_api_and_raw_body(self) -> None:
        from jiangqiao.exchange.models import ExchangeBatch

        before = ExchangeBatch.objects.count()
        data = b'{"a": 1}\n' * 300
        expected = f"交换文件：文件大小 {human_size(len(data))}，超过上限 {human_size(1000)}"
        self.login(self.world.province_admin)
        response = self.client.post(
            reverse("exchange:import"),
            {"file": SimpleUploadedFile("x.jsonl", data), "dry_run": "on"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("交换文件（.jsonl）：文件大小", response.content.decode())
        api = APIClient()
        api.force_authenticate(self.world.province_admin)
        response = api.post(
            "/api/v1/exchange/import/",
            {"file": SimpleUploadedFile("x.jsonl", data)},
            format="multipart",
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["file"], [expected])
        raw = api.post(
            "/api/v1/exchange/import/?dry_run=true",
            data=data,
            content_type="application/x-ndjson",
        )
        self.assertEqual(raw.status_code, 400)
        self.assertIn("交换文件：文件大小", raw.content.decode())
        self.assertIn("超过上限", raw.content.decode())
        self.assertEqual(ExchangeBatch.objects.count(), before)

    def test_sizes_read_as_people_say_them(self) -> None:
        self.assertEqual(human_size(10 * 1024 * 1024), "10 MB")
        self.assertEqual(human_size(int(12.34 * 1024 * 1024)), "12.3 MB")
        self.assertEqual(human_size(800 * 1024), "800 KB")
        self.assertEqual(human_size(72), "72 字节")

    def test_the_request_limit_holds_the_largest_file_of_every_kind(self) -> None:
        from jiangqiao.core.uploads import KIND_SETTINGS, upload_limit

        for kind in KIND_SETTINGS:
            with self.subTest(kind):
                self.assertLess(upload_limit(kind), settings.JIANGQIAO_REQUEST_MAX_BYTES)


def _rates(**rates: str) -> dict[str, Any]:
    config = dict(settings.REST_FRAMEWORK)
    config["DEFAULT_THROTTLE_RATES"] = {"anon": "1000/min", "user": "1000/min", "write": "1000/min"}
    config["DEFAULT_THROTTLE_RATES"].update(rates)
    return config


class TestApiThrottles(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.addCleanup(cache.clear)

    def test_every_api_view_has_the_throttles(self) -> None:
        from rest_framework.views import APIView

        from jiangqiao.core.api.throttles import ApiAnonThrottle, ApiUserThrottle, ApiWriteThrottle

        self.assertEqual(
            APIView.throttle_classes, [ApiAnonThrottle, ApiUserThrottle, ApiWriteThrottle]
        )
        # No view in the project sets throttle_classes of its own (none is exempted).
        offenders = [
            str(path.relative_to(APP_DIR))
            for path in APP_DIR.rglob("*.py")
            if "tests" not in path.parts and "throttle_classes" in path.read_text(encoding="utf-8")
        ]
        self.assertEqual(offenders, [])

    def test_over_the_user_rate_the_api_answers_429_in_chinese_with_retry_after(self) -> None:
        with override_settings(REST_FRAMEWORK=_rates(user="3/min")):
            api = APIClient()
            api.force_authenticate(self.world.city_admin_a)
            for _ in range(3):
                self.assertEqual(api.get("/api/v1/orgs/organizations/").status_code, 200)
            refused = api.get("/api/v1/orgs/organizations/")
            self.assertEqual(refused.status_code, 429)
            self.assertIn("请求过于频繁", refused.json()["detail"])
            wait = int(refused.headers["Retry-After"])
            self.assertTrue(1 <= wait <= 60, wait)
            self.assertIn(f"请 {wait} 秒后再试", refused.json()["detail"])
            # Another user has a count of his own.
            other = APIClient()
            other.force_authenticate(self.world.city_admin_b)
            self.assertEqual(other.get("/api/v1/orgs/organizations/").status_code, 200)
        # The default test rates (high) let the first user through again.
        self.assertEqual(api.get("/api/v1/orgs/organizations/").status_code, 200)

    def test_writes_have_a_lower_rate_that_leaves_reads_alone(self) -> None:
        with override_settings(REST_FRAMEWORK=_rates(write="2/min")):
            api = APIClient()
            api.force_authenticate(self.world.superuser)
            for _ in range(2):
                self.assertEqual(api.post("/api/v1/orgs/organizations/", {}).status_code, 400)
            refused = api.post("/api/v1/orgs/organizations/", {})
            self.assertEqual(refused.status_code, 429)
            self.assertIn("Retry-After", refused.headers)
            self.assertEqual(api.get("/api/v1/orgs/organizations/").status_code, 200)

    def test_the_counts_live_in_the_shared_cache(self) -> None:
        with override_settings(REST_FRAMEWORK=_rates(user="1/min")):
            api = APIClient()
            api.force_authenticate(self.world.city_admin_a)
            self.assertEqual(api.get("/api/v1/orgs/organizations/").status_code, 200)
            self.assertEqual(api.get("/api/v1/orgs/organizations/").status_code, 429)
            cache.clear()  # another web process sees the same cache: clearing it resets the count
            self.assertEqual(api.get("/api/v1/orgs/organizations/").status_code, 200)


@override_settings(JIANGQIAO_LOGIN_IP_FAILURE_LIMIT=4, JIANGQIAO_LOGIN_IP_WINDOW_MINUTES=10)
class TestLoginLimitPerAddress(WorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.addCleanup(cache.clear)

    def login_post(self, username: str, password: str, ip: str = "10.1.2.3") -> HttpResponse:
        return self.client.post(
            reverse("accounts:login"),
            {"username": username, "password": password},
            REMOTE_ADDR=ip,
        )

    def test_failures_across_accounts_pause_the_address_and_the_pause_is_logged(self) -> None:
        names = ["city_admin_a", "city_admin_b", "county_operator", "grassroots_clerk"]
        for name in names:
            self.assertEqual(self.login_post(name, "Spray#2026").status_code, 200)
        blocked = self.login_post("province_admin", PASSWORD)
        self.assertEqual(blocked.status_code, 429)
        self.assertIn("该网络地址登录失败次数过多", blocked.content.decode())
        self.assertNotIn("_auth_user_id", self.client.session)
        log = LoginLog.objects.filter(username="province_admin").latest("pk")
        self.assertEqual(log.status, "locked")
        self.assertEqual(log.ip, "10.1.2.3")
        self.assertIn("按地址限制", log.message)
        # The correct password from another address (another office) still signs in.
        self.assertEqual(
            self.login_post("province_admin", PASSWORD, ip="10.9.9.9").status_code, 302
        )
