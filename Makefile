# Two promises: `make run` starts AUTOCREA at http://localhost:8000; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/autocrea serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

test: lint unit

bench: $(STAMP)
	$(BIN)/python bench/generation.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/isolation.py
	$(BIN)/python bench/architect_eval.py --half all
	$(BIN)/python bench/change.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python -m bench.api

clean:
	rm -rf $(VENV) .autocrea .pytest_cache .mypy_cache
