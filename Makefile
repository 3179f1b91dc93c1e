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

## Lint, type-check and run the whole test suite (pytest-xdist: one worker per core).
test: $(VENV)/installed node_modules/.bin/cdk
	$(VENV)/bin/ruff check constructs_sm tests app.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -n auto

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

## The whole suite at the floor of the aws-cdk-lib range, in a venv of its own (CI runs it after `make test`):
## the dev lock without what moves with aws-cdk-lib (the names constraints-floor.txt pins) and without
## cdk-nag (none fits aws-cdk-lib 2.200.0 with constructs 10.0.0: its tests skip there), plus those pins.
.PHONY: test-floor
FLOOR := constraints-floor.txt
FLOOR_VENV := .venv-floor
FLOOR_WITHOUT := cdk-nag $$(sed -n 's/^\([A-Za-z0-9_.-]*\)==.*/\1/p' $(FLOOR))
$(FLOOR_VENV)/installed: pyproject.toml $(LOCK) $(FLOOR)
	rm -rf $(FLOOR_VENV)
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet --upgrade pip
	awk -v drop="$(FLOOR_WITHOUT)" 'BEGIN { n = split(drop, d, " "); for (i = 1; i <= n; i++) out[d[i]] = 1 } \
	    /^[A-Za-z0-9]/ { split($$1, a, "=="); skip = (a[1] in out) } !skip' $(LOCK) > $(FLOOR_VENV)/requirements.txt
	$(FLOOR_VENV)/bin/python -m pip install --quiet --require-hashes -r $(FLOOR_VENV)/requirements.txt -r $(FLOOR)
	$(FLOOR_VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

test-floor: $(FLOOR_VENV)/installed node_modules/.bin/cdk
	$(FLOOR_VENV)/bin/python -m pip check
	$(FLOOR_VENV)/bin/python -c "from importlib.metadata import version as v; print('floor: aws-cdk-lib', v('aws-cdk-lib'), 'constructs', v('constructs'))"
	$(FLOOR_VENV)/bin/python -m pytest -x -q -n auto

## The cdk-nag tests with cdk-nag 2 (the lock holds cdk-nag 3), in a venv of its own (CI runs it after
## `make test`): the dev lock with requirements-nag2.lock's cdk-nag in place of its own.
.PHONY: test-nag2
NAG2 := requirements-nag2.lock
NAG2_VENV := .venv-nag2
$(NAG2_VENV)/installed: pyproject.toml $(LOCK) $(NAG2)
	rm -rf $(NAG2_VENV)
	$(PYTHON) -m venv $(NAG2_VENV)
	$(NAG2_VENV)/bin/python -m pip install --quiet --upgrade pip
	awk '/^[A-Za-z0-9]/ { skip = ($$1 ~ /^cdk-nag==/) } !skip' $(LOCK) > $(NAG2_VENV)/requirements.txt
	$(NAG2_VENV)/bin/python -m pip install --quiet --require-hashes -r $(NAG2_VENV)/requirements.txt -r $(NAG2)
	$(NAG2_VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

test-nag2: $(NAG2_VENV)/installed
	$(NAG2_VENV)/bin/python -m pip check
	$(NAG2_VENV)/bin/python -c "from importlib.metadata import version as v; print('cdk-nag', v('cdk-nag'))"
	$(NAG2_VENV)/bin/python -m pytest -q tests/test_cdk_nag.py tests/core/test_nag.py

## Run the performance benchmark (issue 6); writes benchmarks/RESULTS.md. About 13 minutes on 2 cores (benchmarks/README.md).
.PHONY: bench
bench: $(VENV)/installed
	$(PY) benchmarks/run.py --time-tests
	$(PY) benchmarks/fan_out.py --ns 10,100,1000 --append benchmarks/RESULTS.md
