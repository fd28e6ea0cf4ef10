# Newsroom: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# pyenv reads .python-version (3.13); uv is installed into that interpreter when missing.
UV := python3 -m uv
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/newsroom

.PHONY: help install run serve test test-fast test-prerequisites test-prerequisites-fast lint fmt clean
# Prerequisites are made left to right, one at a time: test's checks come before anything slow.
.NOTPARALLEL:

help:
	@echo "make run        create .venv, migrate, load demo content and serve http://127.0.0.1:8000"
	@echo "make test       lint, migration check and the whole test suite on PostgreSQL"
	@echo "                (installs Chromium, Java and npm first when root and they are missing)"
	@echo "make test-fast  the tests not marked slow (no subprocess, server or browser), under a minute"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make fmt        ruff format + ruff check --fix"

$(VENV)/.installed: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || { echo "Installing uv…"; python3 -m pip install --quiet --disable-pip-version-check uv; }
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.installed

# axe-core and the Nu HTML Checker for the accessibility and validity tests.
# --ignore-scripts: vnu-jar's install script would try to download a Java runtime.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Serving http://127.0.0.1:8000 with the background worker beside it (Ctrl-C stops both)."
	@$(PY) manage.py db_worker --queue-name '*' --interval 5 --no-reload & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:8000

# Chromium, java, npm, PostgreSQL and Redis: installed or started when it can be done
# here, otherwise one line saying what to run (scripts/test-prerequisites).
test-prerequisites:
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} scripts/test-prerequisites

test-prerequisites-fast:
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} scripts/test-prerequisites --fast

test: test-prerequisites install node_modules/.package-lock.json
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(VENV)/bin/pytest -n 2

# Everything but the tests marked slow; no browser, Java or npm: PostgreSQL and Redis only.
test-fast: test-prerequisites-fast install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(VENV)/bin/pytest -n 2 -m "not slow"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache test-artifacts
