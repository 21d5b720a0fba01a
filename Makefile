# Two entry points, both self-contained on a fresh machine (Python 3.11 + pip):
#   make demo   set up .venv and run the demo (Upstage with UPSTAGE_API_KEY, else the local model)
#   make test   set up .venv and run lint, types and the whole test suite (building
#               llama.cpp's llama-server, a test peer, once per version: make llama-server)
# While developing, on the dev extra alone (no llama.cpp build, no local models):
#   make check  lint, types and the fast unit lane with sockets off, under a minute
#   make lint   the lint steps only
#   make unit   all of tests/unit (the slow tests too; starts redis-servers)
# And the benchmark (bench/README.md), in its own environment bench/.venv:
#   make bench        full run, writes bench/results/ and the README's table (~7 min)
#   make bench-quick  the same in under 2 minutes (results in bench/results/quick.*)
#   make bench-scale  workers against a rate limit, with and without the shared limiter
#   make compare      ChatSolar vs ChatOpenAI, Solar vs OpenAILike, on each test peer
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,local
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# check, lint and unit need only the dev extra; a full setup with dev in EXTRAS installs a
# superset and stamps this one too.
DEV_STAMP := $(VENV)/.installed-dev

BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: setup redis-server llama-server demo test check lint unit bench bench-quick bench-scale compare clean

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

# llama.cpp's own C++ llama-server, a test peer (tests/integration/peers/): built from the
# llama.cpp vendored in the same pinned sdist, once per version, portable as the wheel,
# with no network (LLAMA_USE_PREBUILT_UI=OFF: the web UI step would download assets),
# 7 to 18 minutes on 2 cores. Its bin folder (the executable and its shared libraries,
# 18 MB) is built into a .tmp folder and moved into place whole. cmake comes from
# the system, else from PyPI into the venv.
LLAMA_SERVER_DIR ?= $(HOME)/.cache/solar-integrations/llama-server-$(LLAMA_CPP_VERSION)
LLAMA_SERVER := $(LLAMA_SERVER_DIR)/bin/llama-server
LLAMA_SERVER_CMAKE_ARGS := -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF \
	-DLLAMA_OPENSSL=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF \
	-DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

$(LLAMA_SERVER): | $(BIN)/python
	@echo "Building llama-server from llama-cpp-python $(LLAMA_CPP_VERSION)'s sdist, 7 to 18 minutes, once"
	rm -rf "$(LLAMA_SERVER_DIR).tmp" && mkdir -p "$(LLAMA_SERVER_DIR).tmp/src"
	command -v cmake >/dev/null || test -x $(BIN)/cmake || $(BIN)/python -m pip install --quiet cmake
	$(BIN)/python -m pip download --quiet --no-deps --no-binary :all: \
		-d "$(LLAMA_SERVER_DIR).tmp/src" "llama-cpp-python==$(LLAMA_CPP_VERSION)"
	tar -xzf "$(LLAMA_SERVER_DIR).tmp/src/llama_cpp_python-$(LLAMA_CPP_VERSION).tar.gz" \
		-C "$(LLAMA_SERVER_DIR).tmp/src"
	PATH="$$PATH:$(abspath $(BIN))" && cd "$(LLAMA_SERVER_DIR).tmp" && \
		nice cmake -S src/llama_cpp_python-$(LLAMA_CPP_VERSION)/vendor/llama.cpp -B build \
			$(LLAMA_SERVER_CMAKE_ARGS) >build.log && \
		nice cmake --build build --config Release --target llama-server -j$(JOBS) >>build.log \
		|| { tail -40 build.log; exit 1; }
	mv "$(LLAMA_SERVER_DIR).tmp/build/bin" "$(LLAMA_SERVER_DIR).tmp/bin"
	rm -rf "$(LLAMA_SERVER_DIR).tmp/src" "$(LLAMA_SERVER_DIR).tmp/build"
	LD_LIBRARY_PATH="$(LLAMA_SERVER_DIR).tmp/bin" "$(LLAMA_SERVER_DIR).tmp/bin/llama-server" --version
	rm -rf "$(LLAMA_SERVER_DIR)" && mv "$(LLAMA_SERVER_DIR).tmp" "$(LLAMA_SERVER_DIR)"

llama-server: $(LLAMA_SERVER)

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
	$(if $(filter dev,$(subst $(comma), ,$(EXTRAS))),touch $(DEV_STAMP))
	touch $@

ifneq ($(DEV_STAMP),$(STAMP))
$(DEV_STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@
endif

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

# The lint steps, one a line, written once: make lint, make check and make test run them.
# lint-imports: the layers (pyproject's [tool.importlinter], README "Architecture").
define LINT
$(BIN)/ruff check .
$(BIN)/ruff format --check .
$(BIN)/mypy
$(BIN)/lint-imports
endef

# The fast unit lane: no test marked slow, integration or bench (pyproject's markers) and
# no network: pytest-socket refuses sockets except Unix ones (asyncio's event loop wakes
# itself through a socketpair) and, for tests marked allow_hosts(["127.0.0.1"]), loopback.
FAST_UNIT := $(BIN)/python -m pytest tests/unit -q \
	-m "not slow and not integration and not bench" --disable-socket --allow-unix-socket

check: $(DEV_STAMP)
	$(LINT)
	$(FAST_UNIT)

lint: $(DEV_STAMP)
	$(LINT)

# All of tests/unit, slow ones included; the local extra is not needed, redis-server is.
unit: $(DEV_STAMP) redis-server
	$(BIN)/python -m pytest tests/unit

# Lint before llama-server's first build (minutes), so that a lint failure shows at once.
test: setup
	$(LINT)
	$(MAKE) --no-print-directory llama-server
	$(BIN)/python -m pytest

# On each test peer, ChatSolar against langchain-openai's ChatOpenAI (langchain-tests'
# standard suite) and LlamaIndex's Solar against llama-index-llms-openai-like's OpenAILike
# (the project's LlamaIndex peer tests), two tables into README (about 12 minutes; not part
# of `make test`). The OpenAI-side packages are not dependencies of the project: pinned in
# bench/requirements.txt, installed with --no-deps into a folder of their own put on
# PYTHONPATH (their other dependencies are the project's already).
COMPARE_DEPS := bench/.compare-deps
COMPARE_STAMP := $(COMPARE_DEPS)/.installed
COMPARE_PACKAGES := langchain-openai llama-index-llms-openai-like llama-index-llms-openai

$(COMPARE_STAMP): bench/requirements.txt | $(BIN)/python
	rm -rf $(COMPARE_DEPS)
	$(BIN)/python -m pip install --quiet --no-deps --target $(COMPARE_DEPS) \
		$(foreach p,$(COMPARE_PACKAGES),"$$(grep '^$(p)==' bench/requirements.txt)")
	touch $@

compare: setup $(LLAMA_SERVER) $(COMPARE_STAMP)
	PYTHONPATH=$(COMPARE_DEPS) $(BIN)/python -m bench.compare --readme

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
	rm -rf $(VENV) $(BENCH_VENV) $(COMPARE_DEPS) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
