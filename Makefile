# The one entry point: every target creates the virtualenv it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := booking

.PHONY: browser-deps install serve test test-sqlite test-postgres lint format migrate worker bench bench-mixed clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The browser tests' axe-core, from the npm registry. Without npm they are skipped (loudly).
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: axe-core not installed, the browser tests will be skipped"; \
	fi

browser-deps: $(AXE)

## make serve: migrate the SQLite database, load demo data, serve on http://127.0.0.1:5000
## (with the periodic jobs in-process: mail and SMS go to the log unless configured)
serve: $(STAMP)
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	BOOKING_IN_PROCESS_JOBS=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

## make worker: the periodic jobs (notification dispatch, …) as their own process
worker: $(STAMP)
	$(BIN)/flask worker

## make test: lint, then the whole suite on SQLite and (when BOOKING_TEST_POSTGRES_URL is set) PostgreSQL
test: lint test-sqlite test-postgres

# Two pytest processes (pytest-xdist): each has its own database and browser.
TEST_WORKERS ?= 2

test-sqlite: $(STAMP) browser-deps
	BOOKING_TEST_DATABASE_URL= $(BIN)/python -m pytest -n $(TEST_WORKERS) tests

test-postgres: $(STAMP) browser-deps
	@if [ -n "$$BOOKING_TEST_POSTGRES_URL" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		BOOKING_TEST_DATABASE_URL="$$BOOKING_TEST_POSTGRES_URL" $(BIN)/python -m pytest -n $(TEST_WORKERS) tests; \
	else \
		echo "BOOKING_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check booking tests bench
	$(BIN)/mypy --strict --follow-imports=silent booking/core

format: $(STAMP)
	$(BIN)/ruff format booking tests bench
	$(BIN)/ruff check --fix booking tests bench

migrate: $(STAMP)
	$(BIN)/flask db upgrade

bench: $(STAMP)
	$(BIN)/python -m bench.run

## make bench-mixed: 200 users for 60 s on two gunicorn instances and a worker (PostgreSQL)
bench-mixed: $(STAMP)
	$(BIN)/python -m bench.mixed_load

clean:
	rm -rf $(VENV) instance tests/e2e/node_modules tests/e2e/screenshots .pytest_cache .ruff_cache .mypy_cache .hypothesis
