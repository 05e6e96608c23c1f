# Operations (README "Production"; notes in deploy/ and CHANGELOG.md):
#   make install   the runtime alone, pinned: requirements.lock (hashes checked), then this package
#   make migrate   flask db-upgrade, to the newest migration (or REVISION=...); it only goes up:
#                  CHANGELOG.md says how and when to go back
#   make serve     gunicorn -c deploy/gunicorn.conf.py; never migrates, never installs test tools
#   make purge     the retention purge once (deploy/systemd runs it hourly)
#   make lock      refresh requirements.lock from pyproject.toml's [project] dependencies
# They read the app's settings from the environment (deploy/ed24-cabinet.env.example).
RUNTIME_STAMP := $(VENV)/.runtime-stamp
GUNICORN_CONF := deploy/gunicorn.conf.py
REVISION ?= head

.PHONY: install catalogs migrate serve purge lock

$(RUNTIME_STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

install: $(RUNTIME_STAMP)

# The compiled catalogs (.mo) are built, not committed; pybabel comes with the runtime (Babel).
catalogs: install
	$(BIN)/pybabel compile -q -d webapp/translations

migrate: install
	PRODUCTION=1 $(BIN)/flask --app webapp db-upgrade --revision $(REVISION)

serve: install catalogs
	PRODUCTION=1 $(BIN)/gunicorn -c $(GUNICORN_CONF) 'webapp:create_app()'

purge: install
	$(BIN)/ed24-purge

# pip-tools resolves pyproject.toml's runtime dependencies (no extras) for this Python;
# every pin carries the hashes of its published files. Needs the package index.
lock: venv
	test -x $(BIN)/pip-compile || $(BIN)/python -m pip install -q 'pip-tools>=7.4'
	CUSTOM_COMPILE_COMMAND='make lock' $(BIN)/pip-compile --quiet --generate-hashes --strip-extras \
		--allow-unsafe --no-emit-options -o requirements.lock pyproject.toml
