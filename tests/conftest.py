"""Fixtures shared by every test: no test sees a real key or base URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from solar_api import forget_learned_capabilities


@pytest.fixture
def no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "UPSTAGE_API_KEY",
        "NVIDIA_API_KEY",
        "JULEP_API_KEY",
        "SOLAR_API_KEY",
        "UPSTAGE_BASE_URL",
        "UPSTAGE_API_BASE",
        "NVIDIA_BASE_URL",
        "JULEP_BASE_URL",
        "SOLAR_LOCAL_BASE_URL",
        # Tests talk to 127.0.0.1 only; a proxy from the machine's environment must not
        # apply (the proxy tests set their own).
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _isolated_env(no_env_keys: None) -> Iterator[None]:
    """No test sees a real key or base URL from the developer's environment, nor what an
    earlier test's fake server taught the process (solar_api.providers._learned)."""
    forget_learned_capabilities()
    yield
    forget_learned_capabilities()
