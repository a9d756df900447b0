# The whole topology of the suite on one machine: `make run` starts it, `make test` tests it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQS := $(sort $(wildcard requirements*.txt))
STAMP := $(VENV)/.installed-$(shell cat $(REQS) 2>/dev/null | sha1sum | cut -c1-12)

.PHONY: run run-regions test venv servers browser secrets prepare lint unit integration e2e bench fuzz contract faults compose-check clean backup restore backup-verify demo

# Per-installation random secrets (never the public development values), generated once
# into an ignored file and exported to every process `make run` starts.
SECRETS := var/secrets.env
WITH_SECRETS := set -a && . ./$(SECRETS) && set +a &&

venv: $(STAMP)

$(STAMP): $(REQS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	@for r in $(REQS); do echo "installing $$r"; $(BIN)/pip install -q -r $$r || exit 1; done
	@rm -f $(VENV)/.installed-*
	@touch $@

servers:
	@bash deploy/ensure-servers.sh

# What the tests need from Debian besides Python: headless Chromium and its driver for the
# portal's browser tests, the CJK fonts that let screenshots show Chinese, PgBouncer (the
# suite is tested behind it) and docker-compose (docker-compose.yml is validated).
TEST_PACKAGES := chromium chromium-driver fonts-noto-cjk pgbouncer docker-compose
browser:
	@{ command -v chromium && command -v chromedriver && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
	   && { command -v pgbouncer || test -x /usr/sbin/pgbouncer; } && command -v docker-compose; } >/dev/null 2>&1 || { \
	  echo "installing Debian's $(TEST_PACKAGES)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_PACKAGES) >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_PACKAGES) >/dev/null; fi; }

secrets: venv
	@$(BIN)/python -m deploy.secrets $(SECRETS)

# Each component's own database role and database, its migrations run as that role, its
# own broker user and permissions, the broker topology (deploy/prepare.py; idempotent).
prepare: venv servers secrets
	@$(WITH_SECRETS) $(BIN)/python -m deploy.prepare

# Start every process of the suite (APIs under gunicorn, consumers, relays, gateway on
# 127.0.0.1:8080) under honcho; Ctrl-C stops them all. Logs are readable lines here
# (LOG_FORMAT=json for the JSON lines every process writes by default); each process serves
# its metrics on the CRM_METRICS_PORT its Procfile line sets (deploy/observability/).
# SALES_REPLICAS=N runs N sales API processes (sharing port 8102 through SO_REUSEPORT) and
# N sales consumers (competing on sales.events) beside one process of everything else;
# replica K serves its metrics on its Procfile port + 100 x (K - 1).
SALES_REPLICAS ?= 1
run: prepare
	@[[ "$(SALES_REPLICAS)" =~ ^[1-9][0-9]?$$ ]] || { echo "SALES_REPLICAS must be 1..99"; exit 2; }
	@echo "portal and API: http://$${GATEWAY_HOST:-127.0.0.1}:$${GATEWAY_PORT:-8080}"
	@$(WITH_SECRETS) LOG_FORMAT=$${LOG_FORMAT:-text} PYTHONPATH=$(CURDIR) \
	  CRM_DOCUMENT_DIR=$${CRM_DOCUMENT_DIR:-$(CURDIR)/var/documents} \
	  SALES_REUSE_PORT=$$([ $(SALES_REPLICAS) -gt 1 ] && echo 1 || echo 0) \
	  $(BIN)/honcho -d $(CURDIR) -f deploy/Procfile start -c sales_api=$(SALES_REPLICAS),sales_consumer=$(SALES_REPLICAS)

# Head office (region hq, http://127.0.0.1:8080) and one branch (region cn-south,
# http://127.0.0.1:8180), each the whole suite with its own databases (crm_hq_*,
# crm_cn_south_*), broker users and vhost (crm-hq, crm-cn-south) on the local servers; the
# branch's events reach head office's tracking through a RabbitMQ shovel (deploy/regions.py,
# deploy/regions_run.py: ports, order of preparation).
run-regions: venv servers secrets
	@$(WITH_SECRETS) $(BIN)/python -m deploy.regions_run prepare
	@$(BIN)/python -m deploy.regions_run procfile var/Procfile.regions
	@echo "head office (hq): http://127.0.0.1:8080   branch (cn-south): http://127.0.0.1:8180"
	@$(WITH_SECRETS) LOG_FORMAT=$${LOG_FORMAT:-text} PYTHONPATH=$(CURDIR) \
	  $(BIN)/honcho -d $(CURDIR) -f var/Procfile.regions start $(PROCESSES)

# One archive with every component's database (one snapshot each), the broker's definitions
# of the suite's vhost, the uploaded documents and a manifest (versions, counts, checksums):
# var/backups/crm-backup-<UTC time>.tar, or FILE=... (deploy/backup.py; README "Backup and
# restore"). The secrets (var/secrets.env) are not in it: keep them apart.
backup: venv secrets
	@$(WITH_SECRETS) PYTHONPATH=$(CURDIR) $(BIN)/python -m deploy.backup create $(FILE)

# Onto an empty machine (refused when a database has tables): databases, outbox replay,
# broker definitions, documents; counts compared with the manifest; then `make prepare`'s
# steps (roles, migrations, broker users and queues). Then `make run`.
restore: venv servers secrets
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/crm-backup-....tar"; exit 2; }
	@$(WITH_SECRETS) PYTHONPATH=$(CURDIR) $(BIN)/python -m deploy.backup restore $(FILE)
	@$(WITH_SECRETS) $(BIN)/python -m deploy.prepare

# Checksums of every member, and every dump restored into a scratch database whose counts
# must equal the manifest's (the scratch databases are dropped).
backup-verify: venv servers
	@test -n "$(FILE)" || { echo "usage: make backup-verify FILE=var/backups/crm-backup-....tar"; exit 2; }
	@$(WITH_SECRETS) PYTHONPATH=$(CURDIR) $(BIN)/python -m deploy.backup verify $(FILE)

lint: venv
	@$(BIN)/ruff check .

test: venv servers browser lint
	@$(BIN)/python -m pytest

unit: venv
	@$(BIN)/python -m pytest tests/unit

integration: venv servers
	@$(BIN)/python -m pytest tests/integration

e2e: venv servers browser
	@$(BIN)/python -m pytest tests/e2e

# Property-based fuzzing of every route of every service and of the gateway with hostile
# input (never a 5xx, always the JSON error body): many examples per route. `make test`
# runs the same tests with a few, always the same (FUZZ_EXAMPLES defaults to 3); here they
# are drawn anew on every run.
FUZZ_EXAMPLES ?= 200
fuzz: venv servers
	@FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(BIN)/python -m pytest -p no:cacheprovider tests/integration/fuzz

# Contract fuzzing of the merged OpenAPI document (schemathesis) against a suite started for
# the run: generated requests to every operation, on real records; every answer must match
# its documented schema (record, list envelope or error body) and never be a 5xx. `make test`
# runs the same test with 2 requests per operation (one valid, one not), always the same.
CONTRACT_EXAMPLES ?= 50
contract: venv servers
	@CONTRACT_EXAMPLES=$(CONTRACT_EXAMPLES) CONTRACT_RANDOM=1 $(BIN)/python -m pytest -p no:cacheprovider tests/e2e/test_api_contract.py

# The fault suite (tests/faults): a steady mixed load through the gateway while one fault
# is injected per case (kill -9 of each kind of process, the broker or PostgreSQL cut off,
# a poison message, a slow consumer), then every invariant checked; each case prints its
# figures. Not part of `make test` (which runs one representative case). FAULTS=expr picks
# cases (pytest -k); CRM_FAULTS_RESTART_SERVERS=1 also restarts the real PostgreSQL and
# RabbitMQ (shared servers: only where nothing else uses them).
FAULTS ?=
faults: venv servers
	@CRM_FAULTS=1 $(BIN)/python -m pytest -p no:cacheprovider -s tests/faults $(if $(FAULTS),-k "$(FAULTS)")

# Demo data: a believable company (users and a hierarchy, 2,000 customers with contacts, leads,
# opportunities at every stage, quotes, orders through the saga, shipments, invoices, payments,
# expenses, complaints, tasks) put into a RUNNING suite through its public API only
# (deploy/demo.py). DEMO_URL (default http://127.0.0.1:8080), the admin's password in
# DEMO_ADMIN_PASSWORD, DEMO_CUSTOMERS=2000; running it again adds nothing.
demo: venv
	@PYTHONPATH=$(CURDIR) $(BIN)/python -m deploy.demo

bench: venv servers
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

compose-check:
	@docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml is valid"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
