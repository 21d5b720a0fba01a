"""How a client is pointed at a test peer: one piece for the project's own peer tests and
for `make compare` (bench/compare_suite/), so that both run the same servers, keys,
model and sampling settings."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from tests.standard_capabilities import Capabilities

from .servers import LITELLM_KEY, MODEL_ALIAS, Peer

# The session fixtures of conftest.py, one per peer.
PEER_FIXTURES = ("llama_peer", "litellm_peer", "llama_server_peer", "litellm_llama_server_peer")

# langchain-tests' standard suite on a peer: room for a tool call's arguments or a JSON object.
MAX_TOKENS = 200

# The LlamaIndex peer tests' settings (test_llama_index_peers.py); a test asking for more
# room (a tool call's arguments, a JSON object) passes its own max_tokens.
LLAMA_INDEX_SAMPLING: dict[str, Any] = {"model": MODEL_ALIAS, "temperature": 0, "max_tokens": 64}


def peer_api_key(peer: Peer) -> str | None:
    """LiteLLM's proxy wants its master key; llama.cpp's servers want none."""
    return LITELLM_KEY if peer.name.startswith("litellm") else None


class PeerSuite(Capabilities, ChatModelIntegrationTests):
    """langchain-tests' standard integration suite pointed at the peer named by
    `peer_fixture` (one of PEER_FIXTURES), with the settings every run on a peer uses."""

    peer_fixture: ClassVar[str] = ""
    base_url: ClassVar[str] = ""
    api_key: ClassVar[str | None] = None

    @pytest.fixture(autouse=True)
    def _peer(self, request: pytest.FixtureRequest) -> None:
        assert self.peer_fixture in PEER_FIXTURES, f"{type(self).__name__}: no peer_fixture"
        peer: Peer = request.getfixturevalue(self.peer_fixture)
        type(self).base_url = peer.base_url
        type(self).api_key = peer_api_key(peer)

    @property
    def chat_model_params(self) -> dict[str, Any]:
        assert self.base_url, "the peer fixture sets base_url"
        params: dict[str, Any] = {
            "base_url": self.base_url,
            "model": MODEL_ALIAS,
            "max_tokens": MAX_TOKENS,
            "temperature": 0,
        }
        if self.api_key:
            params["api_key"] = self.api_key
        return params

    @property
    def supports_model_override(self) -> bool:
        # LiteLLM serves only the model names of its config; any other is its 400.
        return not self.peer_fixture.startswith("litellm")

    @property
    def model_override_value(self) -> str:
        return "solar-pro2"  # llama.cpp's servers answer to any model name
