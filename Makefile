# The two commands of the README: `make synth` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: synth test

LOCK := requirements-dev.lock

# Exact versions and hashes from the lock file; the project itself on top, editable.
$(VENV)/installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.bin/cdk: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Synthesize the example app into cdk.out/ with the AWS CDK CLI.
synth: $(VENV)/installed node_modules/.bin/cdk
	npx cdk synth --quiet

## Lint, type-check and run the whole test suite.
test: $(VENV)/installed node_modules/.bin/cdk
	$(VENV)/bin/ruff check constructs_sm tests app.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

## What a user gets from PyPI: the built wheel with its `testing` extra in a fresh venv outside the
## checkout, the README's offline-testing examples and the emulator's own tests at moto's newest (CI runs it).
.PHONY: wheel-check
wheel-check: $(VENV)/installed
	bash .ci/wheel-check

## Re-resolve the lock file from pyproject.toml's ranges (newest versions they allow), with hashes.
.PHONY: lock test-latest
lock: $(VENV)/installed
	$(PY) -m pip install --quiet uv==0.13.8
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes --upgrade -o $(LOCK)

## The whole suite against the newest versions the ranges allow, in a venv of its own (not the lock).
test-latest:
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade -e ".[dev]"
	.venv-latest/bin/python -m pytest -q

## Run the performance benchmark (issue 6); writes benchmarks/RESULTS.md. About 13 minutes on 2 cores (benchmarks/README.md).
.PHONY: bench
bench: $(VENV)/installed
	$(PY) benchmarks/run.py --time-tests
