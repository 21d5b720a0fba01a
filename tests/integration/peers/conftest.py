"""Session-wide test peers: llama-cpp-python's server, llama.cpp's own llama-server, and
LiteLLM's proxy in front of each.

Each is started once, on first use, on a free 127.0.0.1 port, and stopped at the end of
the session, pass or fail. What the clients learn about a peer (solar_api.providers._learned) is
kept for the whole session, as it would be in one long-running process.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from .servers import (
    LiteLLMPeer,
    LlamaCppPeer,
    LlamaServerPeer,
    PeerError,
    llama_server_binary,
    smollm2_gguf,
)


@pytest.fixture(scope="session")
def llama_peer() -> Iterator[LlamaCppPeer]:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip('llama-cpp-python is not installed (pip install -e ".[local]")')
    try:
        model = smollm2_gguf()
    except PeerError as exc:
        pytest.skip(str(exc))
    peer = LlamaCppPeer(model)
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture(scope="session")
def litellm_peer(llama_peer: LlamaCppPeer) -> Iterator[LiteLLMPeer]:
    if importlib.util.find_spec("litellm") is None:
        pytest.skip('litellm is not installed (pip install -e ".[test]")')
    peer = LiteLLMPeer(llama_peer.base_url)
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture(scope="session")
def llama_server_peer() -> Iterator[LlamaServerPeer]:
    try:
        model, binary = smollm2_gguf(), llama_server_binary()
    except PeerError as exc:
        pytest.skip(str(exc))
    peer = LlamaServerPeer(model, binary)
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture(scope="session")
def litellm_llama_server_peer(llama_server_peer: LlamaServerPeer) -> Iterator[LiteLLMPeer]:
    if importlib.util.find_spec("litellm") is None:
        pytest.skip('litellm is not installed (pip install -e ".[test]")')
    peer = LiteLLMPeer(llama_server_peer.base_url, name="litellm-llama-server")
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture(autouse=True)
def _isolated_env(no_env_keys: None) -> None:
    """No real keys or base URLs, as everywhere; unlike the unit tests, what was learned
    about a peer is kept, and the embedded local backend is not started for these tests."""
