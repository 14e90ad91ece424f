# lofin — the two commands: `make run` (serve the demo) and `make test` (everything CI checks).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run serve test lint typecheck pytest system-deps messages lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(DEV_STAMP): $(RUNTIME_STAMP)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

## make run: install, migrate the embedded SQLite database, load reference and demo data, serve :8000
run: $(RUNTIME_STAMP)
	$(BIN)/lofin db upgrade
	$(BIN)/lofin seed --demo
	$(BIN)/lofin serve

## make test: install what the tests need, then lint, type-check and run every test
test: system-deps $(DEV_STAMP) lint typecheck pytest

system-deps:
	scripts/install-system-deps.sh

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP)
	$(BIN)/pytest

# Refusals: the message ids of DomainError subclasses, and the terms (actions, kinds of record) that
# service helpers place into them (checked by tests/platform/test_error_messages.py).
ERROR_KEYWORDS = -k DomainError -k NotFoundError -k ConflictError -k ForbiddenError -k InvalidInputError -k UnavailableError -k TooLargeError -k FileRefusedError \
	-k _require_role:3 -k _require_other_person:3 -k require_transition:1 -k get_for_actor:5 -k _get:5 -k _get_record:5 -k require_access:2 -k _require_past:2

## make messages: re-extract translatable strings and update the ko/en catalogs
messages: $(DEV_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k N_ -k ngettext:1,2 $(ERROR_KEYWORDS) --no-location --sort-output --omit-header -o app/locale/messages.pot .
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale --omit-header --width=100

## make lock: re-pin every Python dependency after changing pyproject.toml
lock: $(DEV_STAMP)
	$(BIN)/pip freeze --exclude-editable > constraints.txt

clean:
	if [ -x $(BIN)/lofin-ops ]; then $(BIN)/lofin-ops lab down; fi
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache

## make lab / lab-down / lab-status: the two-region lab (daejeon primary, gwangju DR) on loopback
.PHONY: lab lab-down lab-status
lab: system-deps $(DEV_STAMP)
	$(BIN)/lofin-ops lab up

lab-down: $(DEV_STAMP)
	$(BIN)/lofin-ops lab down

lab-status: $(DEV_STAMP)
	$(BIN)/lofin-ops lab status

## make dashboards: regenerate monitoring/rules/slo.rules.yml and monitoring/dashboards/*.json from code
.PHONY: dashboards
dashboards: $(DEV_STAMP)
	$(BIN)/python -m monitoring.build generate

## make bench-payments: issue 3's payment-order benchmark (own PostgreSQL + lofin serve; JSON in var/benchmarks/)
.PHONY: bench-payments
bench-payments: $(DEV_STAMP)
	$(BIN)/python -m loadtests.bench_payment_orders

## make release: what pyinfra installs on the app hosts — the lofin wheel, every pinned dependency as a wheel, constraints.txt
.PHONY: release
release: $(DEV_STAMP)
	rm -rf dist/release
	$(BIN)/pip wheel -q --wheel-dir dist/release -c constraints.txt .
	cp constraints.txt dist/release/

## make drills: every BCP drill of issue 5 in order on the lab (bounded at 15 min), a summary table, exit 1 if one failed
.PHONY: drills
drills: system-deps $(DEV_STAMP)
	flock /tmp/lofin-lab.lock sh -c 'timeout --kill-after=30 900 $(BIN)/lofin-ops drill all; status=$$?; $(BIN)/lofin-ops lab down; exit $$status'

## make bench-bulk: issue 3's 100,000-line bulk payment benchmark (own PostgreSQL + lofin serve; JSON in var/benchmarks/)
.PHONY: bench-bulk
bench-bulk: $(DEV_STAMP)
	$(BIN)/python -m loadtests.bench_bulk_payments
