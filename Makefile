# `make demo` runs the whole thing; `make test` runs the suite (see README.md).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: venv sysdeps pwa test demo stack scale-out clean

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Reinstall only when the dependency lists may have changed.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

sysdeps:
	scripts/sysdeps.sh

# The PWA bundle in pwa/dist: npm ci when the lock file changes, a build when any input
# does (the stamp lives in dist/, so deleting dist/ also rebuilds).
PWA_INPUTS := $(shell find pwa/src -type f) pwa/build.mjs pwa/service-worker.js manifest.webmanifest $(wildcard pwa/icons/*.png) $(wildcard pwa/screenshots/*.png)
pwa: pwa/dist/.stamp-build

pwa/node_modules/.stamp-ci: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	touch $@

pwa/dist/.stamp-build: pwa/node_modules/.stamp-ci $(PWA_INPUTS)
	cd pwa && node build.mjs
	touch $@

# MENTORING_DATABASE_URL, when set, points the suite at that database (CI: PostgreSQL).
test: sysdeps venv pwa
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: sysdeps venv pwa
	$(BIN)/mentoring keys init
	$(BIN)/mentoring db upgrade
# The demo pilot (fictional, idempotent):
	$(BIN)/mentoring seed-demo --base-url http://localhost:$(PORT)
	MENTORING_DEVELOPMENT=true $(BIN)/mentoring run --host 0.0.0.0 --port $(PORT)

# The production stack on this machine: gunicorn behind Caddy, HTTPS from Caddy's local CA
# on https://127.0.0.1:8443 (deploy/run-local.sh; deploy/README.md). Uses instance/ as `make demo` does.
stack: sysdeps venv pwa
	$(BIN)/mentoring keys init
	$(BIN)/mentoring db upgrade
	deploy/run-local.sh

# Two app hosts and a database host in network namespaces behind Caddy; one app host is
# killed in the middle of a sync burst (needs root; bench/scale_out.py). Not part of `make test`.
scale-out: sysdeps venv
	$(BIN)/python bench/scale_out.py

# Leaves .venv and instance/ (database and keys) alone.
clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .hypothesis build dist *.egg-info
