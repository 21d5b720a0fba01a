"""The peers of tests/integration/peers/, started once per session for `make compare`:
its fixtures as they are, the environment isolation included."""

from tests.conftest import no_env_keys
from tests.integration.peers.conftest import (
    _isolated_env,
    litellm_llama_server_peer,
    litellm_peer,
    llama_peer,
    llama_server_peer,
)

__all__ = [
    "_isolated_env",
    "litellm_llama_server_peer",
    "litellm_peer",
    "llama_peer",
    "llama_server_peer",
    "no_env_keys",
]
