# One entry point for every job. `make run` and `make test` do all set-up themselves.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: help install runtime model model-test run test check lint typecheck imports eval-gold clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the package with dev tools

eval-gold: install  ## score the gold files against themselves (sanity check of the scorer)
	$(BIN)/extractor eval --pred gold --gold gold

test: install  ## run the test suite (CI runs exactly this)
	$(BIN)/pytest

lint: install
	$(BIN)/ruff format --check extractor tests benchmarks
	$(BIN)/ruff check extractor tests benchmarks

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

check: lint typecheck imports test  ## ruff + mypy + import contracts + tests

clean:  ## remove the virtualenv and outputs
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
