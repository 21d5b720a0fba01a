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

# llama-cpp-python (the local extra) is built from source. ggml's default build compiles
# for the building CPU (-march=native), and on CPUs with AMX (Sapphire Rapids and later)
# its AMX kernels segfault on the first decode (ggml-org/llama.cpp#20824, no fix upstream).
# So the wheel is built without native tuning (AVX2 and FMA, no AMX), once per version,
# into a folder of its own: pip's wheel cache is keyed by the sdist alone and would hand
# back a native build left there by a plain `pip install`.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CPP_CMAKE_ARGS := -DGGML_NATIVE=OFF
LLAMA_WHEELS ?= $(HOME)/.cache/solar-integrations/llama-cpp-python-$(LLAMA_CPP_VERSION)-portable
LLAMA_WHEEL_STAMP := $(LLAMA_WHEELS)/.built

$(LLAMA_WHEEL_STAMP): | $(BIN)/python
	@echo "Building llama-cpp-python $(LLAMA_CPP_VERSION) ($(LLAMA_CPP_CMAKE_ARGS)), 4 to 8 minutes, once"
	rm -rf "$(LLAMA_WHEELS).tmp" && mkdir -p "$(LLAMA_WHEELS).tmp"
	CMAKE_ARGS="$(LLAMA_CPP_CMAKE_ARGS)" $(BIN)/python -m pip wheel --quiet --no-deps \
		--no-cache-dir -w "$(LLAMA_WHEELS).tmp" "llama-cpp-python==$(LLAMA_CPP_VERSION)"
	touch "$(LLAMA_WHEELS).tmp/.built"
	rm -rf "$(LLAMA_WHEELS)" && mv "$(LLAMA_WHEELS).tmp" "$(LLAMA_WHEELS)"

ifneq ($(findstring local,$(EXTRAS)),)
LOCAL_WHEEL := $(LLAMA_WHEEL_STAMP)
LOCAL_FIRST := $(BIN)/python -m pip install --quiet --no-deps --force-reinstall \
	$(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
LOCAL_PIN := "llama-cpp-python[server]==$(LLAMA_CPP_VERSION)"
else
LOCAL_FIRST := true
endif

# The portable wheel goes in first (replacing a native one of the same version), and the
# pin keeps pip from building a newer release natively. The Makefile is a prerequisite so
# that a venv made by an earlier rule is set up again by this one.
$(STAMP): pyproject.toml Makefile $(LOCAL_WHEEL) | $(BIN)/python
	$(LOCAL_FIRST)
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]" $(LOCAL_PIN)
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
