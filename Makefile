# The README's two commands: `make run` and `make test`. Everything they need, they install.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-latest lock lint format bench system-deps venv schema gnome-extension docs dist clean

LOCK   := requirements.lock
UV_VERSION := 0.13.8

# The venv is made anew from the lock whenever the lock or pyproject.toml changes, so it holds
# exactly what the lock pins (hash-checked), plus this project as an editable install.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
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

## Refresh requirements.lock from pyproject.toml: every platform and Python the project supports,
## with hashes (uv's pip-compatible compiler; the lock itself installs with plain pip).
lock:
	$(PYTHON) -m venv build/uv
	build/uv/bin/pip install --quiet uv==$(UV_VERSION)
	build/uv/bin/uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.10 \
		--extra test --extra dist --extra server --quiet -o $(LOCK)

## The suite against the newest releases pyproject.toml allows (not the lock; not run in CI):
## meet upstream changes on purpose, then `make lock`.
test-latest: system-deps
	$(PYTHON) -m venv --clear .venv-latest
	.venv-latest/bin/pip install --quiet --upgrade -e '.[test,dist,server]'
	mkdir -p build && .venv-latest/bin/pip list --format=freeze > build/latest-versions.txt
	.venv-latest/bin/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## One JSON object per metric on stdout, a verdict per metric on stderr; fails when a figure is
## over its budget or missing. ONLY=group runs one group (e.g. ONLY=catalog); QUICK=1: small
## sizes, every result still checked and every metric still required, budgets not enforced.
bench: system-deps $(STAMP)
	@$(BIN)/python -m tests.bench $(if $(filter 1 yes true,$(QUICK)),--quick) $(ONLY)

system-deps:
	@sh tests/system-deps.sh

## The PyInstaller bundle (dist/cuecards/) and, on Debian/Ubuntu, dist/cuecards_<version>_<arch>.deb.
dist: $(STAMP)
	$(BIN)/python installer/build.py

## Regenerate resources/schema/*.schema.json from the pack models.
schema: $(STAMP)
	$(BIN)/python -m app.core.schema

## Regenerate both GNOME Shell extension formats (42-44 and 45+) from their one source.
gnome-extension: $(STAMP)
	$(BIN)/python -m app.desktop.watch.gnome_extension

## Regenerate the README's settings table from the typed schema.
docs: $(STAMP)
	$(BIN)/python -m app.cli.docs

## Everything built or installed here: the venv, the bundle and package, caches.
clean:
	rm -rf $(VENV) .venv-latest build dist *.egg-info .pytest_cache .ruff_cache
