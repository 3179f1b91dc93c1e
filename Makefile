# The two commands of the README: `make synth` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: synth test

$(VENV)/installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.bin/cdk: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

## Synthesize the example app into cdk.out/ with the AWS CDK CLI.
synth: $(VENV)/installed node_modules/.bin/cdk
	npx cdk synth --quiet

## Lint, type-check and run the whole test suite.
test: $(VENV)/installed
	$(VENV)/bin/ruff check constructs_sm tests app.py
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

## Run the performance benchmark (issue 6); writes benchmarks/RESULTS.md. About 10 minutes.
.PHONY: bench
bench: $(VENV)/installed
	$(PY) benchmarks/run.py --time-tests
