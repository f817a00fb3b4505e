# Developer entry points. The details live in bin/run (local server + worker) and bin/test
# (suite on SQLite and on a throwaway PostgreSQL, with a throwaway Redis).
#
#   make run            migrate, seed demo data, web server on 127.0.0.1:8000 + Celery worker/beat
#   make test           whole suite on SQLite, then on PostgreSQL
#   make test-sqlite    only the SQLite half        (extra pytest args: make test ARGS="-k foo -x")
#   make test-postgres  only the PostgreSQL half
#   make lint           ruff + check for missing migrations
#   make clean          remove var/ (local db, broker, outbox, keys) and test/lint caches; keeps .venv

SHELL := /bin/bash
# Absolute paths, so `make -C path` and `make -f path/Makefile` work from anywhere.
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
# Touched after a successful install; pip runs again only when a requirements file is newer.
STAMP := $(VENV)/.installed
REQS := $(ROOT)/requirements.txt $(ROOT)/requirements-dev.txt
ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv run codes screenshots test test-sqlite test-postgres lint bench clean

venv: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

# Order-only on $(PY): creating the venv must not by itself count as "newer" than the stamp,
# but a fresh venv has no stamp, so it installs anyway.
$(STAMP): $(REQS) | $(PY)
	$(PY) -m pip install -r $(ROOT)/requirements-dev.txt
	touch $@

run: venv
	$(ROOT)/bin/run

# The demo accounts' current TOTP codes (demo data only).
codes: venv
	cd $(ROOT) && $(PY) manage.py demo_totp

# Run the browser journeys and keep their screenshots in docs/screenshots/ (shown in the README).
screenshots: venv
	cd $(ROOT) && SCREENSHOT_DIR=$(ROOT)/docs/screenshots $(ROOT)/bin/test --only sqlite tests/e2e

test: venv
	$(ROOT)/bin/test $(ARGS)

test-sqlite: venv
	$(ROOT)/bin/test --only sqlite $(ARGS)

test-postgres: venv
	$(ROOT)/bin/test --only postgres $(ARGS)

lint: venv
	cd $(ROOT) && $(VENV)/bin/ruff check .
	cd $(ROOT) && $(PY) manage.py makemigrations --check --dry-run

bench:
	@echo "no benchmarks yet (issue 10)"

clean:
	rm -rf $(ROOT)/var $(ROOT)/.pytest_cache $(ROOT)/.ruff_cache $(ROOT)/htmlcov $(ROOT)/.coverage $(ROOT)/.coverage.*
	find $(ROOT) -path $(VENV) -prune -o -path $(ROOT)/.git -prune -o -type d -name __pycache__ -print0 | xargs -0 -r rm -rf
