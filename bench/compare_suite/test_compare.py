"""langchain-tests' standard integration suite, unmarked, for ChatSolar and for
langchain-openai's ChatOpenAI against each peer, with the settings of the project's own
peer runs (tests/integration/peers/settings.py): what each client does out of the box on
the same server and model (`make compare`; bench/compare.py counts).

No xfail here: a miss is a miss, whichever side it falls on.
"""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_core.language_models import BaseChatModel

from langchain_solar import ChatSolar
from tests.integration.peers.settings import PEER_FIXTURES, PeerSuite


def _chat_openai() -> type[BaseChatModel]:
    from langchain_openai import ChatOpenAI  # bench/.compare-deps, not a dependency

    return ChatOpenAI


CLIENTS = {"ChatSolar": lambda: ChatSolar, "ChatOpenAI": _chat_openai}


class _Compare(PeerSuite):
    client: ClassVar[str] = ""

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return CLIENTS[self.client]()

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # ChatOpenAI wants a key even where the server takes none; both get the same one.
        return {**super().chat_model_params, "api_key": self.api_key or "sk-none"}


# Test<client>__<peer fixture>: bench/compare.py reads both from the class name.
for _fixture in PEER_FIXTURES:
    for _client in CLIENTS:
        _name = f"Test{_client}__{_fixture}"
        globals()[_name] = type(_name, (_Compare,), {"client": _client, "peer_fixture": _fixture})
