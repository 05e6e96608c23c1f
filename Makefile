# ed24-cabinet. The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
FLASK  := $(BIN)/flask --app webapp
PYBABEL := $(BIN)/pybabel
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test unit integration e2e venv i18n i18n-update db serve chromium bench audit lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)

# Compiled catalogs (.mo) are built, not committed.
i18n: venv
	$(PYBABEL) compile -d webapp/translations

# After changing texts: refresh the template and both catalogs, then translate kk.
i18n-update: venv
	$(PYBABEL) extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location \
		--sort-output --project=ed24-cabinet -o webapp/translations/messages.pot .
	$(PYBABEL) update -i webapp/translations/messages.pot -d webapp/translations --width=100 \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/python scripts/i18n_ru.py

# The embedded default: SQLite under instance/, the sandbox on, the demo data loaded.
db: venv i18n
	SANDBOX=1 $(FLASK) db-upgrade
	SANDBOX=1 $(FLASK) sandbox load-demo --if-empty

run: db
	SANDBOX=1 $(FLASK) run --host $(HOST) --port $(PORT)

# Production serving. Set at least SECRET_KEY, DATABASE_URL (PostgreSQL),
# RATELIMIT_STORAGE_URI (Redis), TRUSTED_HOSTS, TRUSTED_PROXIES and the real gateways
# (APP_NOTIFIER, SMS_GATEWAY, REGISTRY); the app refuses to start and names what is missing.
serve: venv i18n
	PRODUCTION=1 $(FLASK) db-upgrade
	PRODUCTION=1 $(BIN)/gunicorn --workers $${WORKERS:-2} --bind $(HOST):$(PORT) --access-logfile - \
		'webapp:create_app()'

# Debian's Chromium for the browser tests (never a downloaded browser).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# All tiers on SQLite; then the integration suite again on a throwaway PostgreSQL
# when its binaries are installed (.ci/run installs postgresql and redis-server).
test: venv i18n chromium lint
	$(BIN)/python -m pytest -q
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "== integration tests on PostgreSQL =="; \
		TEST_DATABASE=postgres $(BIN)/python -m pytest -q tests/integration; \
	else echo "PostgreSQL not installed: the PostgreSQL run is skipped"; fi

lint: venv
	$(BIN)/ruff check webapp tests e2e scripts

unit: venv
	$(BIN)/python -m pytest -q tests/unit

integration: venv i18n
	$(BIN)/python -m pytest -q tests/integration

e2e: venv i18n chromium
	$(BIN)/python -m pytest -q e2e

# Throughput and latency against a bare endpoint of the same process (wrk, loopback only).
bench: venv i18n chromium
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python scripts/bench.py

# Lighthouse 12 (mobile, offline against a local server): every page state, ru and kk.
audit: venv i18n chromium
	@test -x .lighthouse/node_modules/.bin/lighthouse || \
		(mkdir -p .lighthouse && cd .lighthouse && npm install --no-audit --no-fund --silent lighthouse@12)
	$(BIN)/python scripts/audit.py

# The production stack on this machine (nginx, two app servers, PostgreSQL, Redis).
include stack.mk

clean:
	rm -rf $(VENV) instance webapp/translations/*/LC_MESSAGES/*.mo
