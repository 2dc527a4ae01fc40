"""The matching engine imports no Django (ARCHITECTURE.md: it is benchmarked and reused alone)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent
ROOT = ENGINE.parents[2]

# Django is made unimportable (``sys.modules[name] = None``), then every engine module is imported;
# the program prints the modules that failed and whether Django got loaded after all.
PROGRAM = """
import importlib, pkgutil, sys
sys.modules["django"] = None
import jiangqiao.matching.engine as engine
failed = []
for info in pkgutil.walk_packages(engine.__path__, engine.__name__ + "."):
    if ".tests" in info.name:
        continue
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        failed.append(f"{info.name}: {exc}")
loaded = sorted(m for m in sys.modules if m.startswith("django.") and sys.modules[m] is not None)
print(repr((failed, loaded)))
"""


def _run(program: str) -> tuple[list[str], list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    failed, loaded = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    return failed, loaded


def test_every_engine_module_imports_with_django_blocked() -> None:
    failed, loaded = _run(PROGRAM)
    assert failed == []
    assert loaded == []


def test_the_blocker_catches_a_django_import() -> None:
    # The same program over a module that does import Django reports it: the check can fail.
    program = PROGRAM.replace(
        "import jiangqiao.matching.engine as engine",
        "import jiangqiao.matching.engine as engine\n"
        "try:\n    import django.conf\nexcept ImportError as exc:\n    failed_first = str(exc)\n"
        "else:\n    failed_first = ''\nprint(repr(([failed_first], [])))\nraise SystemExit(0)",
    )
    failed, _ = _run(program)
    assert failed and failed[0], "importing Django was not blocked"


def test_no_engine_source_names_django() -> None:
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        if "tests" in path.relative_to(ENGINE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "django"]
    assert offenders == []
