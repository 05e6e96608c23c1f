# The production stack on this machine (README, "Running at scale"):
#   make stack        nginx → 2 app servers (gunicorn, 2 workers each) → PostgreSQL + Redis
#   make load         Locust parents against it, faults injected on the way, then integrity checks
#   make stack-stop   stops exactly what `make stack` started (PIDs in $(STACK_DIR)/stack.json)
# Everything from Debian packages (apt-get installs nginx, postgresql, redis-server when missing).
STACK_DIR ?= instance/stack
# make load PARENTS=200 RAMP=120 FAULTS=app,redis,postgres (FAULTS=none: a clean run)
PARENTS ?= 200
RAMP ?= 120
FAULTS ?= app,redis,postgres
LOAD_ARGS ?=
STACK_PYTHON = $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))

.PHONY: stack stack-stop load

stack: venv i18n
	$(BIN)/python scripts/stack.py start --dir $(STACK_DIR)

stack-stop:
	$(STACK_PYTHON) scripts/stack.py stop --dir $(STACK_DIR)

load: venv i18n
	$(BIN)/python scripts/load.py --dir $(STACK_DIR) --parents $(PARENTS) --ramp $(RAMP) \
		--faults $(FAULTS) $(LOAD_ARGS)
