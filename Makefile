# The README's two commands: `make run` and `make test`. Everything they need, they install.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format bench system-deps venv schema docs dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test,dist]'
	touch $(STAMP)

venv: $(STAMP)

## Start the tray app on the bundled demo pack (state in the per-user data directory).
run: $(STAMP)
	$(BIN)/python -m app run

## Install system packages the tests need (root or sudo), the Python env, then lint and test.
test: system-deps $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## One JSON object per metric, with its budget beside it.
bench: system-deps $(STAMP)
	@$(BIN)/python -m tests.bench

system-deps:
	@sh tests/system-deps.sh

## The PyInstaller bundle (dist/cuecards/) and, on Debian/Ubuntu, dist/cuecards_<version>_<arch>.deb.
dist: $(STAMP)
	$(BIN)/python installer/build.py

## Regenerate resources/schema/*.schema.json from the pack models.
schema: $(STAMP)
	$(BIN)/python -m app.core.schema

## Regenerate the README's settings table from the typed schema.
docs: $(STAMP)
	$(BIN)/python -m app.cli.docs

## Everything built or installed here: the venv, the bundle and package, caches.
clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
