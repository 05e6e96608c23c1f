# ed24-cabinet. The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
FLASK  := $(BIN)/flask --app webapp
PYBABEL := $(BIN)/pybabel
PYTEST := $(BIN)/python -m pytest -q
HOST ?= 127.0.0.1
PORT ?= 5000
# Two workers on two cores: each test file runs in a process of its own, sandbox namespaces
# keep the browser tests apart.
WORKERS ?= 2

.PHONY: run test test-long test-postgres unit integration e2e wcag venv i18n i18n-update testkit-texts db chromium bench \
	lint clean

$(STAMP): pyproject.toml testkit/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]" -e ./testkit
	touch $(STAMP)

venv: $(STAMP)

# Compiled catalogs (.mo) are built, not committed.
i18n: venv
	$(PYBABEL) compile -d webapp/translations

# After changing texts: refresh the template and both catalogs, then translate kk, then
# refresh the test kit's copy of the texts.
i18n-update: venv
	$(PYBABEL) extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location \
		--sort-output --project=ed24-cabinet -o webapp/translations/messages.pot .
	$(PYBABEL) update -i webapp/translations/messages.pot -d webapp/translations --width=100 \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/python tools/i18n_ru.py
	$(MAKE) testkit-texts

testkit-texts: venv
	$(BIN)/python -c "import json, pathlib; from ed24_testkit.texts import TEXTS, generate; \
		TEXTS.write_text(json.dumps(generate(pathlib.Path('webapp/translations')), ensure_ascii=False, indent=0) + '\n', encoding='utf-8')"

# The embedded default: SQLite under instance/, the sandbox on, the demo data loaded, the
# outbox delivered by a thread of the app itself (one command).
db: venv i18n
	SANDBOX=1 $(FLASK) db-upgrade
	SANDBOX=1 $(FLASK) sandbox load-demo --if-empty

run: db
	SANDBOX=1 $(FLASK) run --host $(HOST) --port $(PORT) --with-threads

# Debian's Chromium for the browser tests (never a downloaded browser).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# Lint, then every tier on SQLite in parallel (unit, adapters' contract suite, integration,
# operations, browser e2e at 360x740 with and without JavaScript). The long tiers are
# `make test-long` (.ci/run runs both): the integration suite again on a throwaway
# PostgreSQL, the full WCAG matrix with v.Nu, the production stack under load.
test: venv i18n chromium lint
	$(PYTEST) -n $(WORKERS) -m "not wcag and not stack" tests e2e

test-long: venv i18n chromium test-postgres
	$(PYTEST) -n $(WORKERS) -m wcag e2e
	$(PYTEST) -m stack tests/stack

test-postgres: venv i18n
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql)
	TEST_DATABASE=postgres $(PYTEST) -n $(WORKERS) tests/integration

lint: venv
	$(BIN)/ruff check webapp tests e2e testkit tools deploy
	$(BIN)/mypy

unit: venv
	$(PYTEST) -n $(WORKERS) tests/unit tests/adapters

integration: venv i18n
	$(PYTEST) -n $(WORKERS) tests/integration tests/ops

e2e: venv i18n chromium
	$(PYTEST) -n $(WORKERS) -m "not wcag" e2e

wcag: venv i18n chromium
	$(PYTEST) -n $(WORKERS) -m wcag e2e

# Throughput and latency against a bare Flask app in the same run (wrk, loopback only).
bench: venv i18n
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python tools/bench.py

# Serving, migrations, retention, the lock file (deploy/, CHANGELOG.md).
include ops.mk
# The production stack on this machine (nginx, two app servers, the worker, PostgreSQL, Redis).
include stack.mk

clean:
	rm -rf $(VENV) instance webapp/translations/*/LC_MESSAGES/*.mo .vnu
