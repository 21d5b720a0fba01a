"""The project's LlamaIndex peer tests (tests/integration/peers/test_llama_index_peers.py),
as they are, for LlamaIndex's `Solar` and for llama-index-llms-openai-like's `OpenAILike`
against each peer (`make compare`; bench/compare.py counts).

The tests are the peers' module's own functions, collected here a second time; only the
`llm` fixture they build their model with is parametrised over the two clients. No xfail:
a test that fails on the model or the server counts as failed, whichever side it falls on.
These are the project's tests, written for what `Solar` does (usage in streams, the
proxy's extra fields kept, forced tool calls on servers that ignore them): the table
shows how far an application written against them gets with `OpenAILike`.
"""

from __future__ import annotations

import pytest
from llama_index.core.llms.function_calling import FunctionCallingLLM

from tests.integration.peers import test_llama_index_peers as peer_tests
from tests.integration.peers.servers import Peer
from tests.integration.peers.settings import LLAMA_INDEX_SAMPLING, peer_api_key
from tests.integration.peers.test_llama_index_peers import LLMFactory, solar_llm

# The smallest context among the peers: llama-cpp-python's server runs with n_ctx 4096
# (servers.LlamaCppPeer; llama-server has 8192), and LiteLLM passes on its upstream's.
CONTEXT_WINDOW = 4096


def openai_like(peer: Peer, **kw: object) -> FunctionCallingLLM:
    from llama_index.llms.openai_like import OpenAILike  # bench/.compare-deps

    # Configured as the package's README (its PyPI page) says for an OpenAI-compatible
    # server: chat endpoint, function calling, the model's context window declared, a
    # placeholder key where the server takes none (the LiteLLM proxy wants its own).
    params: dict[str, object] = {
        "api_base": peer.base_url,
        "api_key": peer_api_key(peer) or "x",
        "is_chat_model": True,
        "is_function_calling_model": True,
        "context_window": CONTEXT_WINDOW,
    }
    return OpenAILike(**{**params, **LLAMA_INDEX_SAMPLING, **kw})


# Test ids hold the peer fixture and the client (in either order); bench/compare.py reads them.
CLIENTS = {"Solar": solar_llm, "OpenAILike": openai_like}

peer = peer_tests.peer  # the peers' fixture, parametrised over the four peers


@pytest.fixture(params=list(CLIENTS))
def llm(request: pytest.FixtureRequest, peer: Peer) -> LLMFactory:
    build = CLIENTS[request.param]
    return lambda **kw: build(peer, **kw)


# The tests themselves: pytest collects a module's test_* functions wherever defined.
globals().update({name: f for name, f in vars(peer_tests).items() if name.startswith("test_")})
