# Newsroom: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# pyenv reads .python-version (3.13); uv is installed into that interpreter when missing.
UV := python3 -m uv
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/newsroom

.PHONY: help install run serve test lint fmt clean

help:
	@echo "make run    create .venv, migrate, load demo content and serve http://127.0.0.1:8000"
	@echo "make test   lint, migration check and the whole test suite on PostgreSQL"
	@echo "make lint   ruff check + ruff format --check"
	@echo "make fmt    ruff format + ruff check --fix"

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

test: install node_modules/.package-lock.json
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(VENV)/bin/pytest -n 2

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache test-artifacts
