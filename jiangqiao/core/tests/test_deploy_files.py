"""deploy/ is consistent with the code (issue 17, point 6).

* the environment template lists exactly the variables the programs read (settings, gunicorn
  config, systemd units), every variable without a default is set in it, and each line parses
  the same for systemd's ``EnvironmentFile=`` and for ``sh``;
* the systemd units: ``systemd-analyze verify`` where systemd is installed, and always the keys
  that matter (user, environment file, hardening, restart policy, the real management commands);
* the nginx site: ``nginx -t`` where nginx is installed, and always its content (TLS 1.2+, HSTS,
  upload size, timeouts, headers, static files, no direct media);
* config/gunicorn.py: workers from the environment, the JSON access line with the request id,
  the multiprocess metrics clean-up; the hashed static files storage; ``make run``'s server.
"""

from __future__ import annotations

import ast
import configparser
import datetime as dt
import importlib
import importlib.util
import json
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from django.test import override_settings

from jiangqiao.core.uploads import upload_limit

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "jiangqiao.env.example"
UNITS = sorted((DEPLOY / "systemd").glob("jiangqiao-*"))
SITE = DEPLOY / "nginx" / "jiangqiao.conf"
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
}
LINE = re.compile(r'^([A-Z][A-Z0-9_]*)=("[^"\\$`]*"|[^\s"\'#$`\\]*)$')
COMMENTED = re.compile(r"^# ([A-Z][A-Z0-9_]*)=")


# -- what the programs read ------------------------------------------------------------------


def settings_variables() -> tuple[set[str], set[str], set[str]]:
    """(all names, names without a default, secrets that also take NAME_FILE) read by base.py."""
    tree = ast.parse((ROOT / "config" / "settings" / "base.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    required: set[str] = set()
    secrets: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        func = node.func
        is_env = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        is_secret = isinstance(func, ast.Name) and func.id == "env_secret"
        if not (is_env or is_secret) or not re.fullmatch(r"[A-Z][A-Z0-9_]+", first.value):
            continue
        names.add(first.value)
        if is_secret:
            secrets.add(first.value)
        if not any(k.arg == "default" for k in node.keywords) and len(node.args) == 1:
            required.add(first.value)
    return names, required, secrets


def gunicorn_variables() -> set[str]:
    source = (ROOT / "config" / "gunicorn.py").read_text(encoding="utf-8")
    return set(re.findall(r'"((?:JIANGQIAO|DJANGO)_[A-Z0-9_]+)"', source))


def unit_variables() -> set[str]:
    found: set[str] = set()
    for unit in UNITS:
        found |= set(re.findall(r"\$\$?\{([A-Z][A-Z0-9_]*)", unit.read_text(encoding="utf-8")))
    return found


def template_entries() -> tuple[dict[str, str], set[str]]:
    """(active NAME → value, names only documented as ``# NAME=default``)."""
    active: dict[str, str] = {}
    documented: set[str] = set()
    for line in TEMPLATE.read_text(encoding="utf-8").splitlines():
        if match := COMMENTED.match(line):
            documented.add(match.group(1))
        elif line and not line.startswith("#"):
            name, _, value = line.partition("=")
            active[name] = value
    return active, documented


# -- the environment template ----------------------------------------------------------------


def test_every_variable_of_the_template_is_read_and_every_variable_read_is_in_it() -> None:
    names, _, secrets = settings_variables()
    readers = names | gunicorn_variables() | unit_variables() | {"DJANGO_SETTINGS_MODULE"}
    readers |= {f"{name}_FILE" for name in secrets}
    active, documented = template_entries()
    listed = set(active) | documented
    assert len(names) > 60  # the parser found the settings' variables
    assert listed - readers == set(), "模板中的变量没有程序读取"
    assert names - listed == set(), "settings 读取的变量不在模板中"
    assert gunicorn_variables() - listed == set()
    assert unit_variables() - listed == set()


def test_the_template_sets_what_production_cannot_do_without() -> None:
    _, required, _ = settings_variables()
    active, _ = template_entries()
    assert {"DJANGO_SECRET_KEY", "JIANGQIAO_FIELD_ENCRYPTION_KEY"} <= required
    must = required | {
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
        "DJANGO_ALLOWED_HOSTS",
        "DJANGO_CSRF_TRUSTED_ORIGINS",
        "JIANGQIAO_AUDIT_CHAIN_KEY",
        "JIANGQIAO_TASK_BACKEND",
        "JIANGQIAO_REDIS_URL",
        "JIANGQIAO_CACHE_URL",
        "JIANGQIAO_TRUST_X_FORWARDED_FOR",
    }
    assert must - set(active) == set()
    # manage.py's default is the demo's settings (local secrets, demo data allowed).
    assert active["DJANGO_SETTINGS_MODULE"] == "config.settings.base"
    assert active["DJANGO_DEBUG"] == "False"
    assert active["JIANGQIAO_TASK_BACKEND"] in {"rq", "database"}
    bind = active["JIANGQIAO_WEB_BIND"]
    assert f"server {bind}" in SITE.read_text(encoding="utf-8")  # nginx proxies to gunicorn


def test_each_template_line_means_the_same_to_systemd_and_to_sh() -> None:
    """systemd's EnvironmentFile keeps a trailing ``# …`` as part of the value and sh would run
    the second word of an unquoted value with a space: neither may appear."""
    bad = []
    for number, line in enumerate(TEMPLATE.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        if not LINE.match(line):
            bad.append(f"{number}: {line}")
    assert bad == []
    # and sh reads the active lines back as written
    script = f"set -a; . {TEMPLATE}; set +a; env"
    out = subprocess.run(
        ["/bin/sh", "-c", script], capture_output=True, text=True, check=True, env={}
    ).stdout
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    active, _ = template_entries()
    for name, value in active.items():
        assert env[name] == value.strip('"'), name


def test_the_template_value_parses_with_the_settings(tmp_path: Path) -> None:
    """The template, with secrets filled in, loads config.settings.base and passes Django's
    deployment checks (the CI's ``check --deploy`` with the production values)."""
    filled = TEMPLATE.read_text(encoding="utf-8")
    for name in ("DJANGO_SECRET_KEY", "JIANGQIAO_AUDIT_CHAIN_KEY", "JIANGQIAO_EXCHANGE_HASH_KEY"):
        filled = filled.replace(f"{name}=\n", f"{name}={'k7' * 30}\n")
    filled = filled.replace(
        "JIANGQIAO_FIELD_ENCRYPTION_KEY=\n",
        "JIANGQIAO_FIELD_ENCRYPTION_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n",
    )
    env_file = tmp_path / "jiangqiao.env"
    env_file.write_text(filled, encoding="utf-8")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "import json; print(json.dumps([s.DEBUG, s.TASK_BACKEND, s.SECURE_SSL_REDIRECT, "
        "s.JIANGQIAO_TRUST_X_FORWARDED_FOR, s.DATABASES['default']['CONN_MAX_AGE'], "
        "s.DATABASES['default']['OPTIONS']['options'], s.STORAGES['staticfiles']['BACKEND']]))"
    )
    out = subprocess.run(
        ["/bin/sh", "-c", f'set -a; . {env_file}; set +a; exec "{sys.executable}" -c "{code}"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout
    assert json.loads(out) == [
        False,
        "rq",
        True,
        True,
        60,
        "-c jit=off",
        "jiangqiao.core.staticfiles.HashedStaticFilesStorage",
    ]


# -- systemd units ---------------------------------------------------------------------------


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser


def _manage_commands(unit: configparser.ConfigParser) -> list[str]:
    text = unit.get("Service", "ExecStart", fallback="")
    return re.findall(r"manage\.py (\w+)", text)


def test_the_expected_units_are_there() -> None:
    assert [u.name for u in UNITS] == [
        "jiangqiao-backup.service",
        "jiangqiao-backup.timer",
        "jiangqiao-ticks.service",
        "jiangqiao-web.service",
        "jiangqiao-worker@.service",
    ]


@pytest.mark.parametrize("path", [u for u in UNITS if u.suffix == ".service"], ids=lambda p: p.name)
def test_service_units_run_as_the_app_user_with_hardening(path: Path) -> None:
    unit = _unit(path)
    service = unit["Service"]
    assert service["User"] == "jiangqiao"
    assert service["EnvironmentFile"] == "/etc/jiangqiao/jiangqiao.env"
    assert service["WorkingDirectory"] == "/srv/jiangqiao"
    for key, value in HARDENING.items():
        assert service.get(key) == value, key
    assert "/srv/jiangqiao/var" in service["ReadWritePaths"].split()
    for command in _manage_commands(unit):
        if command == "rqworker":  # django_rq's, installed with the RQ backend
            assert importlib.util.find_spec("django_rq.management.commands.rqworker")
        else:
            assert command in get_commands(), command
    if path.name != "jiangqiao-backup.service":
        assert service["Restart"] == "always"
        assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_web_unit_serves_gunicorn_with_a_clean_metrics_directory() -> None:
    service = _unit(DEPLOY / "systemd" / "jiangqiao-web.service")["Service"]
    assert "gunicorn --config python:config.gunicorn config.wsgi" in service["ExecStart"]
    assert service["Environment"] == "PROMETHEUS_MULTIPROC_DIR=/run/jiangqiao-metrics"
    assert service["RuntimeDirectory"] == "jiangqiao-metrics"
    assert "/run/jiangqiao-metrics -mindepth 1 -delete" in service["ExecStartPre"]


def test_the_worker_runs_rq_with_the_django_tasks_job_class_and_the_ticks_loop() -> None:
    worker = _unit(DEPLOY / "systemd" / "jiangqiao-worker@.service")["Service"]
    assert "rqworker --job-class django_tasks_rq.backend.Job" in worker["ExecStart"]
    # every queue is served, the clerk's ("default") first: RQ takes queues in the order given
    assert worker["ExecStart"].split()[-len(settings.TASK_QUEUES) :] == settings.TASK_QUEUES
    assert settings.TASK_QUEUES[0] == "default"
    ticks = _unit(DEPLOY / "systemd" / "jiangqiao-ticks.service")["Service"]
    assert ticks["ExecStart"].endswith("manage.py run_periodic --loop")


def test_the_backup_runs_daily_into_a_new_directory() -> None:
    text = (DEPLOY / "systemd" / "jiangqiao-backup.service").read_text(encoding="utf-8")
    assert "manage.py backup --out /var/backups/jiangqiao/$(date +%%Y-%%m-%%d-%%H%%M)" in text
    assert "manage.py prune_logs" in text
    timer = _unit(DEPLOY / "systemd" / "jiangqiao-backup.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:30:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    """The units as systemd reads them; paths moved to this checkout so that the programs exist.
    Without systemd on this machine: each unit parses with its required sections."""
    if shutil.which("systemd-analyze") is None:
        for unit in UNITS:
            parsed = _unit(unit)
            assert "Unit" in parsed and ("Service" in parsed or "Timer" in parsed), unit.name
        return
    fake = tmp_path / "srv"
    (fake / ".venv" / "bin").mkdir(parents=True)
    for program in ("python", "gunicorn"):
        target = fake / ".venv" / "bin" / program
        target.write_text("#!/bin/sh\n", encoding="utf-8")
        target.chmod(0o755)
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8").replace("/srv/jiangqiao", str(fake))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    names = [str(tmp_path / u.name) for u in UNITS if not u.name.endswith("@.service")]
    names.append(str(tmp_path / "jiangqiao-worker@1.service"))
    shutil.copy(tmp_path / "jiangqiao-worker@.service", tmp_path / "jiangqiao-worker@1.service")
    result = subprocess.run(
        [shutil.which("systemd-analyze") or "systemd-analyze", "verify", "--man=no", *names],
        capture_output=True,
        text=True,
        env={"SYSTEMD_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
        cwd=tmp_path,
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        # The box running the tests has no such user, unit files of the services it needs or
        # a running systemd: those are facts of the test machine, not errors of the units.
        if line.strip()
        and not re.search(
            r"jiangqiao.*user|postgresql\.service|redis-server\.service|"
            r"System has not been booted|Failed to connect to bus|Failed to setup working",
            line,
            re.I,
        )
    ]
    assert problems == []


# -- nginx -----------------------------------------------------------------------------------


def test_the_nginx_site_says_what_the_deployment_needs() -> None:
    site = SITE.read_text(encoding="utf-8")
    directives = {
        "ssl_protocols TLSv1.2 TLSv1.3;",
        'add_header Strict-Transport-Security "max-age=31536000" always;',
        "proxy_read_timeout 75s;",
        "proxy_connect_timeout 5s;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Request-ID $jiangqiao_request_id;",
        "alias /srv/jiangqiao/var/static/;",
        "location /media/  { return 404; }",
        "location = /metrics { return 404; }",
        "return 301 https://$host$request_uri;",
    }
    assert {d for d in directives if d not in site} == set()
    assert "TLSv1.1" not in site and "TLSv1 " not in site
    # nginx takes exactly the request body the application takes (a Chinese 413 above it)
    (size,) = re.findall(r"client_max_body_size (\d+)m;", site)
    assert int(size) * 1024 * 1024 == settings.JIANGQIAO_REQUEST_MAX_BYTES
    assert max(upload_limit(kind) for kind in ("import", "exchange", "evidence")) < int(size) << 20
    # the gunicorn timeout is shorter than nginx's, so gunicorn ends a slow request first
    gunicorn = importlib.import_module("config.gunicorn")
    assert gunicorn.timeout < 75
    # the static files are where collectstatic puts them
    assert str(settings.STATIC_ROOT).endswith("var/static")
    assert "root /srv/jiangqiao/deploy/nginx;" in site
    assert '<html lang="zh-CN">' in (DEPLOY / "nginx" / "50x.html").read_text(encoding="utf-8")


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jiangqiao.example.org")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    crt, pem = directory / "t.crt", directory / "t.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


def test_nginx_accepts_the_site_where_nginx_is_installed(tmp_path: Path) -> None:
    """``nginx -t`` on the site inside a minimal main configuration. Without nginx on this
    machine the structural test above is what checks the file; this one then checks that the
    site at least has balanced braces and ends each directive."""
    site = SITE.read_text(encoding="utf-8")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        body = re.sub(r"#[^\n]*", "", site)
        assert body.count("{") == body.count("}")
        # Each line ends a directive (";") or opens/closes a block; a directive may go on over
        # several lines only as more quoted strings (as log_format does).
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        for line, following in zip(lines, [*lines[1:], ""], strict=True):
            ended = line.endswith((";", "{", "}"))
            assert ended or following.startswith(("'", '"')), line
            assert line.count("'") % 2 == 0 and line.count('"') % 2 == 0, line
        return
    crt, key = _self_signed(tmp_path)
    site = (
        site.replace("/etc/jiangqiao/tls/jiangqiao.crt", str(crt))
        .replace("/etc/jiangqiao/tls/jiangqiao.key", str(key))
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


# -- gunicorn --------------------------------------------------------------------------------


def _gunicorn_config(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    for name in ("JIANGQIAO_WEB_WORKERS", "JIANGQIAO_WEB_BIND", "JIANGQIAO_LOG_JSON"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("config.gunicorn", None)
    return importlib.import_module("config.gunicorn")


def test_gunicorn_takes_its_workers_and_address_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = _gunicorn_config(monkeypatch)
    assert conf.workers == conf.default_workers() >= 3
    assert conf.bind == "127.0.0.1:8001"
    assert not hasattr(conf, "logger_class")
    conf = _gunicorn_config(
        monkeypatch,
        JIANGQIAO_WEB_WORKERS="7",
        JIANGQIAO_WEB_BIND="127.0.0.1:9",
        JIANGQIAO_LOG_JSON="1",
    )
    assert (conf.workers, conf.bind) == (7, "127.0.0.1:9")
    assert conf.logger_class is conf.JsonAccessLogger


def test_the_json_access_line_carries_the_request_id(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn.config import Config

    conf = _gunicorn_config(monkeypatch, JIANGQIAO_LOG_JSON="1")
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = conf.JsonAccessLogger(cfg)
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger.access_log.handlers = [Keep()]
    resp = SimpleNamespace(status="404 Not Found", headers=[("X-Request-ID", "abc-123")], sent=99)
    req = SimpleNamespace(headers=[("USER-AGENT", "手机浏览器"), ("X-FORWARDED-FOR", "10.1.2.3")])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/demands/?q=%22x%22",
        "PATH_INFO": '/demands/"x"',
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    logger.access(resp, req, environ, dt.timedelta(milliseconds=12.5))
    record = json.loads(lines[0])  # a quote in the path does not break the JSON
    assert record["request_id"] == "abc-123"
    assert (record["status"], record["bytes"], record["duration_ms"]) == (404, 99, 12.5)
    assert record["path"] == '/demands/"x"'
    assert record["user_agent"] == "手机浏览器"
    assert record["forwarded_for"] == "10.1.2.3"


def test_gunicorn_empties_the_metrics_directory_and_forgets_dead_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conf = _gunicorn_config(monkeypatch)
    metrics = tmp_path / "metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics))
    conf.on_starting(None)
    assert metrics.is_dir()
    (metrics / "counter_1.db").write_bytes(b"old run")
    (metrics / "gauge_livesum_4242.db").write_bytes(b"x")
    (metrics / "gauge_livesum_4343.db").write_bytes(b"x")
    conf.child_exit(None, SimpleNamespace(pid=4242))
    assert sorted(p.name for p in metrics.iterdir()) == ["counter_1.db", "gauge_livesum_4343.db"]
    conf.on_starting(None)
    assert list(metrics.iterdir()) == []


# -- static files and make run ---------------------------------------------------------------


def test_hashed_static_files_keep_a_reference_to_a_file_the_package_does_not_ship(
    tmp_path: Path,
) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    source.mkdir()
    (source / "star.svg").write_text("<svg/>", encoding="utf-8")
    (source / "lib.css").write_text(
        ".a{background:url(star.svg)}.b{background:url(missing.svg)}\n"
        "/*# sourceMappingURL=lib.css.map */",
        encoding="utf-8",
    )
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "jiangqiao.core.staticfiles.HashedStaticFilesStorage"},
    }
    with override_settings(
        STATICFILES_DIRS=[source],
        STATIC_ROOT=out,
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES=storages,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((out / "staticfiles.json").read_text(encoding="utf-8"))["paths"]
    hashed_css = (out / manifest["lib.css"]).read_text(encoding="utf-8")
    assert manifest["star.svg"] != "star.svg" and manifest["star.svg"] in hashed_css
    assert 'url("missing.svg")' in hashed_css and "lib.css.map" in hashed_css


def test_make_run_serves_through_gunicorn_with_its_settings() -> None:
    from jiangqiao.core.management.commands import run_platform

    command = run_platform.gunicorn_command({"host": "127.0.0.1", "port": "8000", "workers": 2})
    assert command[1:5] == ["-m", "gunicorn", "--config", "python:config.gunicorn"]
    assert command[-5:] == ["--bind", "127.0.0.1:8000", "--workers", "2", "config.wsgi"]
    env = run_platform.server_environment()
    assert env["DJANGO_SETTINGS_MODULE"] == settings.SETTINGS_MODULE
    assert env["PROMETHEUS_MULTIPROC_DIR"].endswith("var/metrics")
