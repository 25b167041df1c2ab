# Commonplace: `make run` to try it, `make test` to test it. Both set up .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Services used by `make test-services` (and .ci/run): PostgreSQL, Redis, a real Celery worker.
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# pytest-xdist: one worker process per core, each with its own test database. Tests that share an
# xdist_group (the browser journeys, the integration tests, the seeded demo module) stay together
# on one worker. `make test XDIST=` runs everything in one process.
XDIST ?= -n auto --dist loadgroup

.PHONY: run test test-services test-e2e lint format install migrate seed bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# The development server, with the periodic jobs' scheduler in a thread of it (README, "What
# runs where"): it starts and stops with the server.
run: seed
	$(BIN)/python manage.py devserver $(HOST):$(PORT)

# The whole suite on the embedded defaults: SQLite, Celery eager, browser journeys included.
# Integration tests need the services and run in test-services.
test: install
	DATABASE_URL= REDIS_URL= $(BIN)/pytest $(XDIST) -m "not integration" $(PYTEST_ARGS)

# The suite again on PostgreSQL and Redis, integration tests included (they start a real Celery
# worker process against the test database). The browser journeys ran in `make test` and are
# left out here, so CI runs them once.
test-services: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest $(XDIST) -m "not e2e" $(PYTEST_ARGS)

test-e2e: install
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=. $(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_private_names.py
	DATABASE_URL= REDIS_URL= $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
