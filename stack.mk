# The production stack on this machine (README, "Running at scale"), under supervisord:
#   make stack        PostgreSQL, Redis, 2 app servers (gunicorn, 2 workers each), the outbox
#                     worker and nginx, from deploy/stack/supervisord.conf: prints the URL
#   make load         Locust parents against it (deploy/load/), faults on the load's own clock,
#                     then the verdicts from Locust's CSVs
#   make stack-stop   supervisord shuts everything down
# Debian packages: nginx, postgresql, redis-server, supervisor (installed when missing).
STACK_DIR ?= instance/stack
STACK_PORT ?= 8088
STACK_PACKAGES := nginx postgresql redis-server supervisor
STACKCTL = $(BIN)/python deploy/stack/stackctl.py --dir $(STACK_DIR)
# make load PARENTS=200 RAMP=120 DURATION=180 FAULTS='drain:40:20,kill:80:20,redis:115:15,postgres:145:10'
# (kind:start second:seconds down; FAULTS=none: a clean run; MIX: percent sign-in,recovery,re-registration)
PARENTS ?= 200
RAMP ?= 120
DURATION ?= 180
FAULTS ?= drain:40:20,kill:80:20,redis:115:15,postgres:145:10
MIX ?= 60,25,15
SEED ?= 1
LOAD_STAMP := $(shell date +%Y%m%d-%H%M%S)
LOAD_DIR ?= $(STACK_DIR)/load-$(LOAD_STAMP)

.PHONY: stack stack-stop stack-packages load

stack-packages:
	@missing=""; for p in $(STACK_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing$$missing"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

stack: venv i18n stack-packages
	$(STACKCTL) up --port $(STACK_PORT) $(STACK_ARGS)

stack-stop:
	@if [ -x $(BIN)/python ]; then $(STACKCTL) down; else echo "no virtualenv: no stack to stop"; fi

# The parents' data replaces the sandbox data (flask sandbox load) and Redis's request
# counts start from zero; Locust's exit status is the analysis's to judge.
load: venv i18n
	@test -f $(STACK_DIR)/stack.env || { echo "no stack in $(STACK_DIR): make stack first"; exit 1; }
	mkdir -p $(LOAD_DIR)
	$(BIN)/python deploy/load/parents.py --parents $(PARENTS) --mix $(MIX) --seed $(SEED) --out $(LOAD_DIR)
	set -a && . $(STACK_DIR)/stack.env && set +a && \
		$(FLASK) sandbox load $(LOAD_DIR)/sandbox-data.json && redis-cli -p $$REDIS_PORT flushall >/dev/null && \
		{ $(BIN)/locust --config deploy/load/locust.conf --host $$STACK_URL --stack-env $(STACK_DIR)/stack.env \
			--parents-file $(LOAD_DIR)/parents.json --faults '$(FAULTS)' --users $(PARENTS) \
			--spawn-rate $$(echo "$(PARENTS) $(RAMP)" | awk '{printf "%.4f", $$1 / $$2}') --run-time $(DURATION)s \
			--csv $(LOAD_DIR)/locust --logfile $(LOAD_DIR)/locust.log $(LOAD_ARGS) || true; }
	$(BIN)/python deploy/load/analyse.py $(LOAD_DIR) --faults '$(FAULTS)' --stack-env $(STACK_DIR)/stack.env
