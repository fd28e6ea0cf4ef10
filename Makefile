# Newsroom: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# pyenv reads .python-version (3.13); uv is installed into that interpreter when missing.
UV := python3 -m uv
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/newsroom
# Python keeps compiled modules (and pytest its rewritten test modules) in __pycache__,
# even where the environment asks it not to: without them every test worker compiles
# Django and the suite anew, seconds each time.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help install run serve test test-fast test-s3 test-prerequisites test-prerequisites-fast lint fmt clean stack stack-down
# Prerequisites are made left to right, one at a time: test's checks come before anything slow.
.NOTPARALLEL:

help:
	@echo "make run        create .venv, migrate, load demo content and serve http://127.0.0.1:8000"
	@echo "make test       lint, migration check and the whole test suite on PostgreSQL"
	@echo "                (installs Chromium, Java, npm, Varnish, PgBouncer and nginx first when root"
	@echo "                and they are missing)"
	@echo "make test-fast  the tests not marked slow (no subprocess, server or browser), 1.5 to 2.5 minutes on two cores"
	@echo "make test-s3    the whole suite with media in S3 (a moto_server on loopback)"
	@echo "make stack      the production topology on loopback: Varnish, two app servers, a worker,"
	@echo "                PgBouncer, PostgreSQL primary + replica, Redis, S3, nginx (prints its URLs)"
	@echo "make stack-down stop everything make stack started"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make fmt        ruff format + ruff check --fix"

$(VENV)/.installed: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || { echo "Installing uv…"; python3 -m pip install --quiet --disable-pip-version-check uv; }
	$(UV) sync --frozen --compile-bytecode
	@touch $@

install: $(VENV)/.installed

# axe-core and the Nu HTML Checker for the accessibility and validity tests.
# --ignore-scripts: vnu-jar's install script would try to download a Java runtime.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

run: install
	@# The interface's translations (locale/): the committed .mo files, compiled anew from
	@# the .po when gettext is installed (apt-get install gettext).
	@if command -v msgfmt >/dev/null 2>&1; then $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0; else echo "gettext is not installed: using the committed locale/*/LC_MESSAGES/django.mo"; fi
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Serving http://127.0.0.1:8000 with the background worker beside it (Ctrl-C stops both)."
	@$(PY) manage.py db_worker --queue-name '*' --interval 5 --no-reload & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:8000

# Chromium, java, npm, Varnish, PgBouncer, nginx, PostgreSQL and Redis: installed or
# started when it can be done here, otherwise one line saying what to run
# (scripts/test-prerequisites).
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

# The whole suite again with every test's media in a bucket of an S3 endpoint on loopback
# (moto_server, started by the tests.s3_media plugin).
test-s3: test-prerequisites install node_modules/.package-lock.json
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} NEWSROOM_TEST_MEDIA=s3 \
	  $(VENV)/bin/pytest -n 2 -p tests.s3_media

# The production topology on loopback (scripts/stack; deploy/README.md); Debian packages
# it needs are installed when missing. STACK_DIR chooses its folder.
stack: install
	scripts/stack up $(if $(STACK_DIR),--dir $(STACK_DIR))

stack-down:
	scripts/stack down $(if $(STACK_DIR),--dir $(STACK_DIR))

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache test-artifacts
