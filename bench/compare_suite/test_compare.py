"""langchain-tests' standard integration suite, unmarked, for ChatSolar and for
langchain-openai's ChatOpenAI against each peer, with the same settings: what each client
does out of the box on the same server and model (`make compare`; bench/compare.py counts).

No xfail here: a miss is a miss, whichever side it falls on.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_solar import ChatSolar
from tests.integration.peers.servers import LITELLM_KEY, MODEL_ALIAS, Peer

# Fixture name -> how the table names the peer.
PEERS = {
    "llama_peer": "llama-cpp-python's server, chatml",
    "litellm_peer": "LiteLLM proxy in front of it",
    "llama_server_peer": "llama.cpp's llama-server, SmolLM2's own template",
    "litellm_llama_server_peer": "LiteLLM proxy in front of llama-server",
}
MAX_TOKENS = 200


def _chat_openai() -> type[BaseChatModel]:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI


CLIENTS = {"ChatSolar": lambda: ChatSolar, "ChatOpenAI": _chat_openai}


class _Compare(ChatModelIntegrationTests):
    client: ClassVar[str] = ""
    peer_fixture: ClassVar[str] = ""
    base_url: ClassVar[str] = ""
    api_key: ClassVar[str] = ""

    @pytest.fixture(autouse=True)
    def _peer(self, request: pytest.FixtureRequest) -> None:
        peer: Peer = request.getfixturevalue(self.peer_fixture)
        type(self).base_url = peer.base_url
        type(self).api_key = LITELLM_KEY if peer.name.startswith("litellm") else "sk-none"

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return CLIENTS[self.client]()

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "api_key": self.api_key,
            "model": MODEL_ALIAS,
            "max_tokens": MAX_TOKENS,
            "temperature": 0,
        }

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return not self.peer_fixture.startswith("litellm")

    @property
    def model_override_value(self) -> str:
        return "solar-pro2"


for _fixture in PEERS:
    for _client in CLIENTS:
        _name = f"Test{_client}__{_fixture}"
        globals()[_name] = type(_name, (_Compare,), {"client": _client, "peer_fixture": _fixture})
