"""The peers of tests/integration/peers/, started once per session for `make compare`."""

from tests.conftest import no_env_keys
from tests.integration.peers.conftest import (
    litellm_llama_server_peer,
    litellm_peer,
    llama_peer,
    llama_server_peer,
)

__all__ = [
    "litellm_llama_server_peer",
    "litellm_peer",
    "llama_peer",
    "llama_server_peer",
    "no_env_keys",
]
