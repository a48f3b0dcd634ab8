# `make demo` runs the whole thing; `make test` runs the suite (see README.md).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: venv sysdeps test demo clean

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

# MENTORING_DATABASE_URL, when set, points the suite at that database (CI: PostgreSQL).
test: sysdeps venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: sysdeps venv
	$(BIN)/mentoring keys init
	$(BIN)/mentoring db upgrade
# The demo pilot (fictional, idempotent):
	$(BIN)/mentoring seed-demo --base-url http://localhost:$(PORT)
	MENTORING_DEVELOPMENT=true $(BIN)/mentoring run --host 0.0.0.0 --port $(PORT)

# Leaves .venv and instance/ (database and keys) alone.
clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .hypothesis build dist *.egg-info
