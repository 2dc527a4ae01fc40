# 匠桥 — two commands: `make run` and `make test`. Everything else is set up by them.
# Needs only Python 3.11 (python3 with venv and pip), Node.js/npm and make.

PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?= -q

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_NO_PROGRESS := 1

.PHONY: run test setup setup-python setup-node migrate lint format check-pg clean help

help:
	@echo "make run   — set up, migrate SQLite, load reference data and demo accounts, serve on http://$(HOST):$(PORT)"
	@echo "make test  — set up and run the whole test suite (SQLite)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup-python: $(VENV)/.synced
setup-node: node_modules/.installed
setup: setup-python setup-node

migrate: setup
	$(PY) manage.py migrate --noinput

run: setup
	$(PY) manage.py run_platform --host $(HOST) --port $(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup-python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup-python
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) $(TOOLS) node_modules var
