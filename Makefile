# Developer and CI entry points (see docs/api.md "Commands").
STACK := deploy/local/stack.sh
# uv may have been installed by the stack as a module only (no script on PATH).
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
# The e2e captcha answer is only for tests; identity refuses it when APP_ENV=production.
# A sweep once an hour: an event whose write forgot to wake the outbox relay shows up as a late
# event in tests/e2e/test_outbox_wakeup.py instead of hiding behind the 30 s safety net.
TEST_ENV := CAPTCHA_TEST_ANSWER=$${CAPTCHA_TEST_ANSWER:-prueba-e2e} APP_ENV=test OUTBOX_SWEEP_SECONDS=3600 \
	GATEWAY_RATE_LIMITS=off
# The registry of services (services.toml), read with the system python3 (no venv needed).
REGISTRY := python3 scripts/registry.py
# Type-checked code: the shared library, every service of the registry, the RIDE renderer (not in
# the registry until its service lands; $(sort) drops the duplicate then), the SRI sandbox, the
# SMSC simulator, scripts.
MYPY_PATHS = libs/common/src $(sort $(shell $(REGISTRY) mypy-paths)) \
	deploy/local/sri-sandbox/src deploy/local/smsc-simulator/src scripts

.PHONY: up down status logs test lint docs compose k8s generate bench bench-billing bench-rendering bench-delivery bench-sms bench-portal

up:
	$(STACK) up

down:
	$(STACK) down

status:
	-@$(STACK) status

# make logs part=kafka
logs:
	@test -n "$(part)" || { echo "usage: make logs part=<kafka|postgres|ferretdb|mailpit|sri|gateway|<service>>"; exit 2; }
	$(STACK) logs $(part)

lint:
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy $(MYPY_PATHS)

# The stack is left as make up leaves it (no captcha test answer, limits on), pass or fail.
test:
	$(TEST_ENV) $(STACK) up
	status=0; { $(MAKE) lint && $(UV) run --frozen pytest; } || status=$$?; \
	echo "test: leaving the stack in its normal mode (no test captcha answer, rate limits on)"; \
	$(STACK) up >/dev/null || status=1; exit $$status

# Regenerate docs/asyncapi.yaml from the code (a test fails when it is stale).
docs:
	$(UV) run --frozen python scripts/asyncapi.py

# docker-compose.yml from services.toml and deploy/compose/ (a test fails when it is stale).
compose:
	$(REGISTRY) compose >docker-compose.yml.new && mv docker-compose.yml.new docker-compose.yml

# deploy/k8s/services/*/kustomization.yaml from services.toml (a test fails when one is stale).
k8s:
	$(REGISTRY) k8s

# Every generated file, after a change to services.toml or to the code's events.
generate: compose k8s docs

bench:
	$(TEST_ENV) $(STACK) up
	PYTHONPATH=. $(UV) run --frozen python bench/identity.py

# A bill run of 10,000 accounts: invoices/s signed+stored and authorized, peak memory, bare loop.
bench-billing:
	$(TEST_ENV) $(STACK) up
	PYTHONPATH=. $(UV) run --frozen python bench/bill_run.py

# RIDEs/s the naive way against the service's warm worker pool, p50/p95, worker RSS (no stack).
bench-rendering:
	PYTHONPATH=. $(UV) run --frozen python bench/rides.py

# A bill run of 2,000 invoices from "authorized" to "email in Mailpit": emails/s, latency, none
# missing or twice.
bench-delivery:
	$(TEST_ENV) $(STACK) up
	PYTHONPATH=. $(UV) run --frozen python bench/invoice_delivery.py

# SMS: "GENERAR" → the SMS at the simulator (p50/p95 at 10 requests/s), and SMS/s through one bind.
bench-sms:
	$(TEST_ENV) $(STACK) up
	PYTHONPATH=. $(UV) run --frozen python bench/sms_codes.py
	PYTHONPATH=. $(UV) run --frozen python bench/sms_bind.py

# The portal in Chromium: first contentful paint and bytes transferred, cold and warm, for the
# login page and the invoice list (goals: <= 100 KB for the login page, FCP <= 500 ms).
bench-portal:
	$(TEST_ENV) $(STACK) up
	PYTHONPATH=. $(UV) run --frozen python bench/portal.py
