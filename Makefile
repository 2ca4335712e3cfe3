# Quick start: `make demo` and `make test`. Both are idempotent and self-installing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_CORE := $(VENV)/.core-installed
STAMP_TEST := $(VENV)/.test-installed
STAMP_DEMO := $(VENV)/.demo-installed
PYTEST_ARGS ?= -n 2

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_CORE): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(STAMP_TEST): pyproject.toml $(STAMP_CORE)
	$(BIN)/pip install -q -e ".[test,demo]"
	touch $@

$(STAMP_DEMO): pyproject.toml $(STAMP_CORE)
	$(BIN)/pip install -q -e ".[demo]"
	touch $@

demo: $(STAMP_DEMO)
	$(BIN)/python examples/mnist.py

test: $(STAMP_TEST)
	$(BIN)/ruff check ember tests benchmarks examples
	$(BIN)/python -m pytest $(PYTEST_ARGS) -q

lint: $(STAMP_TEST)
	$(BIN)/ruff check ember tests benchmarks examples

bench: $(STAMP_TEST)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
