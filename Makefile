# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/whomade --db demo/out/demo.sqlite kb compile
	$(BIN)/whomade --db demo/out/demo.sqlite screen demo/catalog.csv -o demo/out/findings.jsonl --context marketplace
	$(BIN)/whomade explain demo/catalog.csv --id DEMO-0003
	$(BIN)/whomade --db demo/out/demo.sqlite report section889 demo/inventory.csv -o demo/out/section889.html

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy

test: lint
	$(BIN)/whomade kb validate
	$(BIN)/pytest

clean:
	rm -rf $(VENV) demo/out
