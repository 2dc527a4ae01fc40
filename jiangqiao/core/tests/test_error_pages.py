"""Error pages: Chinese, phone-width, standalone — and shown under `make run` too (DEBUG off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import path

from jiangqiao.core.testing.cases import WorldTestCase
from jiangqiao.core.views import errors

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def _boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom)]


class ErrorPageTests(WorldTestCase):
    def test_404_outside_the_scope_is_the_chinese_page(self) -> None:
        w = self.world
        self.login(w.county_operator)
        response = self.client.get(w.city_a.get_absolute_url())
        assert response.status_code == 404
        html = response.content.decode()
        assert "页面不存在，或数据不在您的数据范围内" in html
        assert VIEWPORT in html
        assert 'lang="zh-CN"' in html
        self.assertTemplateUsed(response, "404.html")

    def test_unknown_address_is_the_chinese_404(self) -> None:
        self.login(self.world.city_admin_a)
        response = self.client.get("/no-such-page/")
        assert response.status_code == 404
        self.assertTemplateUsed(response, "404.html")
        assert "返回首页" in response.content.decode()

    def test_403_is_the_chinese_page(self) -> None:
        self.login(self.world.auditor)  # no permission on the demand list
        response = self.client.get("/demands/")
        assert response.status_code == 403
        self.assertTemplateUsed(response, "403.html")
        html = response.content.decode()
        assert "您没有此操作的权限" in html and VIEWPORT in html

    def test_400_and_500_pages(self) -> None:
        request = RequestFactory().get("/x/")
        request.id = "abc-123"  # type: ignore[attr-defined]
        for view, status, text in (
            (errors.bad_request, 400, "请求有误"),
            (errors.server_error, 500, "服务器处理出错"),
        ):
            response = view(request) if status == 500 else view(request, None)
            html = response.content.decode()
            assert response.status_code == status
            assert text in html and VIEWPORT in html
            assert "请求编号：abc-123" in html

    @override_settings(ROOT_URLCONF=__name__)
    def test_an_exception_answers_the_chinese_500(self) -> None:
        self.client.raise_request_exception = False
        response = self.client.get("/boom/")
        assert response.status_code == 500
        assert "服务器处理出错" in response.content.decode()

    def test_api_paths_get_json(self) -> None:
        response = errors.page_not_found(RequestFactory().get("/api/v1/nothing/"))
        assert response["Content-Type"] == "application/json"


def test_make_run_serves_without_debug() -> None:
    """`make run` (config.settings.dev) runs with DEBUG off, so the pages above are what a user
    sees; static files and the demo still work."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIANGQIAO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.WHITENOISE_USE_FINDERS, s.JIANGQIAO_ALLOW_DEMO)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["False", "False", "True", "True"]
