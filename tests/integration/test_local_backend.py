"""The local backend's lifecycle: start, answer, stop cleanly, also from the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from solar_api import local
from solar_api.local import LOCAL_BASE_URL_ENV, LocalBackendError, LocalServer


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_context_manager_starts_serves_and_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LOCAL_BASE_URL_ENV)
    with LocalServer(embeddings=False) as server:
        assert os.environ[LOCAL_BASE_URL_ENV] == server.base_url
        assert server.base_url.startswith("http://127.0.0.1:")
        models = httpx.get(f"{server.base_url}/models", timeout=10).json()
        assert [m["id"] for m in models["data"]] == ["solar-1-mini-chat", "solar-mini4"]
        pid = server._process.pid  # type: ignore[union-attr]
        url = server.base_url
    assert not _alive(pid) and not server.running
    assert LOCAL_BASE_URL_ENV not in os.environ
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models", timeout=2)


def test_server_is_stopped_when_the_block_raises() -> None:
    server = LocalServer(embeddings=False)
    with pytest.raises(RuntimeError, match="boom"), server:
        pid = server._process.pid  # type: ignore[union-attr]
        raise RuntimeError("boom")
    assert not _alive(pid)


def test_serve_command_prints_the_url_and_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "solar_api.local", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = None
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline and url is None:
        line = proc.stdout.readline()
        if "Serving" in line:
            url = line.rsplit(" at ", 1)[1].strip()
    assert url is not None, "the command never said it was serving"
    assert httpx.get(f"{url}/models", timeout=10).status_code == 200
    children = subprocess.run(
        ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
    ).stdout.split()
    assert children, "the server runs as a child process"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    time.sleep(0.2)
    assert not any(_alive(int(c)) for c in children), "no orphan server after Ctrl-C"


# A server that loads (it lists its models) and dies on its first request, as llama.cpp's
# native build does on a CPU with AMX (the Makefile's note on llama-cpp-python).
_CRASHES_ON_FIRST_DECODE = """
import json, os, signal, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port = json.load(open(sys.argv[-1]))["port"]

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "solar-1-mini-chat"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        print("decoding", flush=True)
        os.kill(os.getpid(), signal.SIGSEGV)

HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


class _CrashingServer(LocalServer):
    def _command(self, config: Path) -> list[str]:
        return [sys.executable, "-c", _CRASHES_ON_FIRST_DECODE, str(config)]


def test_a_server_that_dies_on_its_first_request_is_not_ready() -> None:
    server = _CrashingServer(embeddings=False)
    with pytest.raises(LocalBackendError) as caught:
        server.start()
    message = str(caught.value)
    assert "exited on SIGSEGV on its first request" in message
    assert 'CMAKE_ARGS="-DGGML_NATIVE=OFF"' in message
    assert "decoding" in message  # the server's log is quoted
    assert not server.running
    assert LOCAL_BASE_URL_ENV not in os.environ or os.environ[LOCAL_BASE_URL_ENV] != (
        f"http://127.0.0.1:{server.port}/v1"
    )


def test_a_missing_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = local.importlib.util.find_spec
    monkeypatch.setattr(
        local.importlib.util,
        "find_spec",
        lambda name: None if name.startswith("llama_cpp") else real(name),
    )
    with pytest.raises(LocalBackendError, match=r"pip install \"solar-integrations\[local\]\""):
        LocalServer().start()


def test_only_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LocalServer(host="0.0.0.0")


def test_recorded_token_counts_match_the_real_tokenizer() -> None:
    # The estimate's calibration (tests/unit/core/test_tokens.py) rests on these counts.
    import json
    from pathlib import Path

    from llama_cpp import Llama

    from solar_api.local import ensure_model_file

    samples = Path(__file__).resolve().parents[1] / "fixtures" / "token_samples"
    counts = json.loads((samples / "gemma3_counts.json").read_text())
    vocab = Llama(model_path=str(ensure_model_file()), vocab_only=True, verbose=False)
    for name, expected in counts.items():
        text = (samples / name).read_text().encode()
        assert len(vocab.tokenize(text, add_bos=False, special=False)) == expected, name
