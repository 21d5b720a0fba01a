# Two entry points, both self-contained on a fresh machine (Python 3.11 + pip):
#   make demo   set up .venv and run the demo (Upstage with UPSTAGE_API_KEY, else the local model)
#   make test   set up .venv and run lint, types and the whole test suite
# And the benchmark (bench/README.md), in its own environment bench/.venv:
#   make bench        full run, writes bench/results/ and the README's table (~7 min)
#   make bench-quick  the same in under 2 minutes (results in bench/results/quick.*)
#   make bench-scale  workers against a rate limit, with and without the shared limiter
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,local
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: setup redis-server demo test lint unit bench bench-quick bench-scale clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

# The rate-limit tests start a real redis-server: Debian's, installed when missing (as root).
redis-server:
	@command -v redis-server >/dev/null || { \
		echo "Installing Debian's redis-server (the rate-limit tests start their own)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq redis-server >/dev/null; } || { \
		echo "redis-server is missing and apt-get could not install it (needs root):"; \
		echo "install Debian's or your system's redis-server package"; exit 1; }

setup: $(STAMP) redis-server

demo: setup
	$(BIN)/python examples/demo.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest tests/unit

test: lint
	$(BIN)/python -m pytest

$(BENCH_STAMP): pyproject.toml bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e ".[langchain,llama-index]" -r bench/requirements.txt
	touch $@

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python -m bench.run --readme

# Scaling out (README "Scaling out"): 1, 2, 4 worker processes against a 429-ing server,
# with and without the shared Redis limiter (~2 min). Runs in .venv (needs the redis extra).
bench-scale: setup
	$(BIN)/python -m bench.scale --readme

bench-quick: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python -m bench.run --quick

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
