"""How long a LocalServer lives and what it leaves behind (issue 26, item 8).

Real server processes (SmolLM2 without embeddings: about 2 s to start here); each test
is bounded by its timeouts. The process-exit cases run in a small Python subprocess that
starts a server and then ends itself.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest

import solar_api
from solar_api.local import LOCAL_BASE_URL_ENV, LocalServer

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="process lifetimes are checked on Linux"
)

# The checkout whose solar_api these tests import: the subprocesses import the same one.
ROOT = Path(solar_api.__file__).resolve().parents[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return not _alive(pid)


def test_a_server_started_from_a_thread_outlives_the_thread() -> None:
    server = LocalServer(embeddings=False)
    errors: list[BaseException] = []

    def start() -> None:
        try:
            server.start()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=start)
    thread.start()
    thread.join(timeout=120)
    try:
        assert not thread.is_alive() and not errors
        pid = server._process.pid  # type: ignore[union-attr]
        # PR_SET_PDEATHSIG tied to the starting thread fires as soon as it ends.
        time.sleep(1.5)
        assert _alive(pid), "the server died with the thread that started it"
        assert server.running
        models = httpx.get(f"{server.base_url}/models", timeout=10)
        assert models.status_code == 200
    finally:
        server.stop()
    assert _gone_within(pid, 5)


@pytest.mark.parametrize(
    ("how", "before"),
    [
        ("died", "http://before.example/v1"),
        ("died", None),
        ("stopped", "http://before.example/v1"),
    ],
)
def test_leaving_the_block_after_a_restart_restores_the_environment_found_on_entry(
    monkeypatch: pytest.MonkeyPatch, how: str, before: str | None
) -> None:
    if before is None:
        monkeypatch.delenv(LOCAL_BASE_URL_ENV, raising=False)
    else:
        monkeypatch.setenv(LOCAL_BASE_URL_ENV, before)
    with LocalServer(embeddings=False) as server:
        first = server._process
        assert first is not None and os.environ[LOCAL_BASE_URL_ENV] == server.base_url
        first_folder = server._log_path.parent
        if how == "died":
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(10)
            assert not server.running
        else:
            server.stop()
            assert os.environ.get(LOCAL_BASE_URL_ENV) == before
        server.start()
        assert server.running and server._process is not first
        assert os.environ[LOCAL_BASE_URL_ENV] == server.base_url
        assert not first_folder.exists(), "the first server's folder is removed on restart"
        second_folder = server._log_path.parent
    assert os.environ.get(LOCAL_BASE_URL_ENV) == before
    assert not second_folder.exists()


# Starts a server, prints its folder and pid, then ends the way MODE says.
_PROGRAM = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    from solar_api.local import LocalServer

    mode = sys.argv[1]
    if mode == "own-handler":  # the program's handler, set before the server starts
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = LocalServer(embeddings=False)
    if mode == "thread-then-sigkill":
        thread = threading.Thread(target=server.start)
        thread.start()
        thread.join()
        time.sleep(1.0)
        print("running after the thread ended:", server.running, flush=True)
    else:
        server.start()
    print("folder", server._log_path.parent, flush=True)
    print("pid", server._process.pid, flush=True)
    if mode == "chained-handler":  # set after the server started; calls the previous one
        previous = signal.getsignal(signal.SIGTERM)
        def mine(signum, frame):
            print("the program's handler ran", flush=True)
            if callable(previous):
                previous(signum, frame)
            else:  # the default: terminate
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
        signal.signal(signal.SIGTERM, mine)
    if mode == "own-handler":
        print("handler kept:", signal.getsignal(signal.SIGTERM).__name__, flush=True)
    if mode in ("sigterm", "own-handler", "chained-handler"):
        os.kill(os.getpid(), signal.SIGTERM)
    elif mode == "sighup":
        os.kill(os.getpid(), signal.SIGHUP)
    elif mode == "thread-then-sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif mode == "stop-then-sigterm":
        server.stop()
        default = signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        print("after stop, the default:", default, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
    elif mode == "exit":
        sys.exit(0)  # no stop(): atexit cleans up
    time.sleep(60)
    print("still alive", flush=True)
    """
)


def _run(mode: str) -> tuple[int, str, Path, int]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROGRAM, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=150,
    )
    out = proc.stdout
    fields = dict(
        line.split(" ", 1) for line in out.splitlines() if line.startswith(("folder ", "pid "))
    )
    assert "folder" in fields and "pid" in fields, out + proc.stderr
    return proc.returncode, out + proc.stderr, Path(fields["folder"]), int(fields["pid"])


@pytest.mark.parametrize(
    ("mode", "returncode"),
    [
        ("sigterm", -signal.SIGTERM),
        ("sighup", -signal.SIGHUP),
        ("chained-handler", -signal.SIGTERM),
        ("own-handler", 143),
        ("exit", 0),
    ],
)
def test_the_temp_folder_goes_with_the_process(mode: str, returncode: int) -> None:
    code, out, folder, pid = _run(mode)
    left_behind = folder.exists()
    shutil.rmtree(folder, ignore_errors=True)
    # The signal is not swallowed: the process dies of it, or exits as its handler says.
    assert code == returncode, out
    assert "still alive" not in out
    assert not left_behind, f"{folder} left behind:\n{out}"
    assert _gone_within(pid, 10), "the server outlived its parent"
    if mode == "chained-handler":
        assert "the program's handler ran" in out
    if mode == "own-handler":
        assert "handler kept: <lambda>" in out


def test_a_stopped_server_leaves_sigterm_to_its_default() -> None:
    code, out, folder, pid = _run("stop-then-sigterm")
    left_behind = folder.exists()
    shutil.rmtree(folder, ignore_errors=True)
    assert "after stop, the default: True" in out
    assert code == -signal.SIGTERM
    assert not left_behind and not _alive(pid)


def test_a_server_started_from_a_thread_dies_when_its_process_is_killed() -> None:
    # SIGKILL runs no cleanup in the parent: the server must still go (its folder stays).
    code, out, folder, pid = _run("thread-then-sigkill")
    shutil.rmtree(folder, ignore_errors=True)
    assert code == -signal.SIGKILL
    assert "running after the thread ended: True" in out
    assert _gone_within(pid, 10), "the server outlived its SIGKILLed parent"
