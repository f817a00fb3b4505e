# Developer entry points. The details live in bin/run (local server + worker) and bin/test
# (suite on SQLite and on a throwaway PostgreSQL, with a throwaway Redis).
#
#   make run            migrate, seed demo data, web server on 127.0.0.1:8000 + Celery worker/beat
#   make test           whole suite on SQLite and on PostgreSQL, side by side (TEST_SERIAL=1: one after the other)
#   make test-sqlite    only the SQLite half        (extra pytest args: make test ARGS="-k foo -x")
#   make test-postgres  only the PostgreSQL half
#   make lint           ruff, the formatter's check, missing migrations, the import contracts (floors)
#   make messages       collect the text marked for translation into locale/ (LOCALE=fr for another language)
#   make security       bandit (medium and high) + pip-audit of requirements.txt (see SECURITY.md)
#   make loadtest       Locust over HTTP against gunicorn (production settings), worker and beat (docs/benchmarks.md)
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

.PHONY: venv run codes screenshots messages test test-sqlite test-postgres lint security bench loadtest clean

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

# The text marked for translation (Django's i18n) into locale/<LOCALE>/LC_MESSAGES/django.po; a
# practice translates the .po and lists the language in PRACTICE_LANGUAGES (docs/architecture.md).
LOCALE ?= en_GB
messages: venv
	cd $(ROOT) && $(PY) manage.py makemessages --locale $(LOCALE) --no-obsolete --no-location \
		--ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'docs/*'
	cd $(ROOT) && $(PY) manage.py compilemessages --locale $(LOCALE) --ignore '.venv/*'

test: venv
	$(ROOT)/bin/test $(ARGS)

test-sqlite: venv
	$(ROOT)/bin/test --only sqlite $(ARGS)

test-postgres: venv
	$(ROOT)/bin/test --only postgres $(ARGS)

lint: venv
	cd $(ROOT) && $(VENV)/bin/ruff check .
	cd $(ROOT) && $(VENV)/bin/ruff format --check .
	cd $(ROOT) && DJANGO_SETTINGS_MODULE=practice.settings.test $(PY) manage.py makemigrations --check --dry-run
	cd $(ROOT) && $(VENV)/bin/lint-imports

# bandit: medium and high severity fail the build; each # nosec is explained in SECURITY.md.
# pip-audit: a known vulnerability fails the build. When the vulnerability service cannot be reached
# (no network, or an index mirror without PyPI's JSON API) nothing was audited: that is said loudly,
# but it does not fail the build, since it says nothing about the code.
security: venv
	cd $(ROOT) && $(VENV)/bin/bandit -q -r practice outbox clients sessions_app referrals resources billing measures messaging documents frontdesk -x '*/migrations/*' -ll
	@cd $(ROOT) && out=$$(mktemp) && err=$$(mktemp) && rc=0; \
	$(VENV)/bin/pip-audit -r requirements.txt --progress-spinner off --format json --output $$out 2>$$err || rc=$$?; \
	$(PY) - $$out $$err $$rc <<<"$$PIP_AUDIT_VERDICT"; verdict=$$?; rm -f $$out $$err; exit $$verdict

define PIP_AUDIT_VERDICT
import json, re, sys
out, err, rc = open(sys.argv[1]).read(), open(sys.argv[2]).read(), int(sys.argv[3])
try:
    deps = json.loads(out)["dependencies"]
except (ValueError, KeyError):
    deps = None
if deps is None:
    print(err.strip())
    if re.search(r"ConnectionError|Max retries|timed out|Temporary failure|Name or service|unreachable|SSLError|HTTPError|ProxyError", err):
        print("pip-audit: WARNING the vulnerability service could not be reached: dependencies NOT audited")
        sys.exit(0)
    sys.exit(rc or 1)
found = [(d["name"], d["version"], v["id"], v.get("fix_versions") or []) for d in deps for v in d.get("vulns", [])]
skipped = [d["name"] for d in deps if d.get("skip_reason")]
for name, version, vuln, fixes in found:
    print(f"pip-audit: {name} {version}: {vuln} (fixed in {', '.join(fixes) or 'no release yet'})")
if found:
    sys.exit(1)
if skipped and len(skipped) == len(deps):
    print(f"pip-audit: WARNING the vulnerability service could not be reached: {len(skipped)} dependencies NOT audited")
elif skipped:
    print(f"pip-audit: no known vulnerabilities; not audited: {', '.join(skipped)}")
else:
    print(f"pip-audit: no known vulnerabilities in {len(deps)} dependencies")
endef
export PIP_AUDIT_VERDICT

# Benchmarks at practice scale on SQLite and a throwaway PostgreSQL (docs/benchmarks.md).
# Size S by default: make bench ARGS="--size M --rounds 50".
bench: venv
	$(ROOT)/bin/bench $(ARGS)

# Load test over HTTP (Locust, headless) against gunicorn with the production settings, a throwaway
# PostgreSQL and Redis, a Celery worker and beat; results into docs/benchmarks.md.
# Size M, 10, 50 and 100 users, 60 s each by default: make loadtest ARGS="--size S --users 10 --duration 20".
loadtest: venv
	$(ROOT)/bin/loadtest $(ARGS)

clean:
	rm -rf $(ROOT)/var $(ROOT)/.pytest_cache $(ROOT)/.ruff_cache $(ROOT)/htmlcov $(ROOT)/.coverage $(ROOT)/.coverage.*
	find $(ROOT) -path $(VENV) -prune -o -path $(ROOT)/.git -prune -o -type d -name __pycache__ -print0 | xargs -0 -r rm -rf
