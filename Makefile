# Dangjian Cloud — `make run` and `make test` do everything on a fresh Debian machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1
# Line coverage of the package, measured across the xdist workers: the files not fully covered,
# then the total (the data file is var/.coverage; `make clean` removes it).
export COVERAGE_FILE := var/.coverage
COVERAGE := --cov=dangjian --cov-report=term:skip-covered

.PHONY: run test coverage lint test-pg test-pg-all bench deps-run deps-test sysdeps-run sysdeps-test sysdeps-bench clean vendor messages

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.run-installed: requirements.lock | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements.lock
	touch $@

$(VENV)/.test-installed: requirements.lock requirements-dev.lock | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements-dev.lock
	touch $@ $(VENV)/.run-installed

deps-run: $(VENV)/.run-installed
deps-test: $(VENV)/.test-installed

sysdeps-run:
	@bash tools/sysdeps.sh run

sysdeps-test:
	@bash tools/sysdeps.sh test

sysdeps-bench:
	@bash tools/sysdeps.sh bench

## run: install, migrate, load the demo county if empty, serve on http://127.0.0.1:$(PORT) with a task worker
run: sysdeps-run deps-run
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo --scale small --if-empty
	PORT=$(PORT) $(PY) tools/run.py

## lint: ruff, import contracts (pyproject [tool.importlinter]), mypy, migrations in step, every string translated into Simplified Chinese
lint: deps-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy dangjian
	$(PY) manage.py makemigrations --check --dry-run -v1
	$(PY) manage.py check
	bash tools/messages.sh check

## test: system packages (Chromium, CJK fonts), Python packages, lint, the whole suite
test: sysdeps-test deps-test lint
	$(VENV)/bin/pytest -q -n 2 --dist loadfile --durations=15

## coverage: the same suite with line coverage (the tracer costs ≈ 40 % more CPU, so CI's `make test`
## runs without it; docs/decisions/0010-coverage-on-demand.md)
coverage: sysdeps-test deps-test
	$(VENV)/bin/pytest -q -n 2 --dist loadfile $(COVERAGE)

## test-pg: the suite against PostgreSQL (DATABASE_URL must point at a server) without the browser
## tests (they run in `make test`; see docs/decisions/0006-postgresql-run-without-browser.md);
## coverage is measured by `make coverage` on SQLite (tracing every line here would tell nothing new)
test-pg: sysdeps-test deps-test
	@test -n "$$DATABASE_URL" || (echo "DATABASE_URL is not set" && exit 2)
	$(VENV)/bin/pytest -q -n 2 --dist loadfile --durations=15 -m "not browser"
## test-pg-all: the same with the browser tests too (before a release; about twice as long)
test-pg-all: sysdeps-test deps-test
	@test -n "$$DATABASE_URL" || (echo "DATABASE_URL is not set" && exit 2)
	$(VENV)/bin/pytest -q -n 2 --dist loadfile --durations=15

## bench: benchmarks (see docs/benchmarks.md); BENCH_SCALE=county|million
bench: sysdeps-bench deps-test
	$(PY) bench/run.py

vendor:
	bash tools/vendor.sh

messages: deps-test
	bash tools/messages.sh

clean:
	rm -rf $(VENV) staticfiles var/dangjian.sqlite3* var/.coverage*
