"""What a pickle of a client or an adapter carries about where requests go.

The provider that was resolved travels (so a gateway URL taken from ``UPSTAGE_BASE_URL``
is not re-guessed as ``openai_compatible``), the base URL only when it was given (one
read from the environment is read again on load), and the key never. A key that was
given explicitly is read on load from the provider's variable (``SOLAR_API_KEY`` for
providers without one); when that is unset, loading warns and the first request raises
`MissingAPIKeyError` naming the variable, instead of going out without a key.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, replace

from pydantic import SecretStr

from .providers._presets import Provider, ResolvedEndpoint, resolve_endpoint

__all__ = ["FALLBACK_KEY_ENV", "PickledEndpoint", "key_variable"]

FALLBACK_KEY_ENV = "SOLAR_API_KEY"


def key_variable(provider: Provider) -> str:
    """The variable a pickled object's key is read from on load."""
    return provider.api_key_env or FALLBACK_KEY_ENV


@dataclass(frozen=True)
class PickledEndpoint:
    provider: str
    base_url: str | None
    # The variable to read an explicitly given key from on load (None: none was given).
    key_env: str | None

    @classmethod
    def of(cls, endpoint: ResolvedEndpoint) -> PickledEndpoint:
        return cls(
            provider=endpoint.provider.name,
            base_url=endpoint.base_url if endpoint.base_url_given else None,
            key_env=key_variable(endpoint.provider) if endpoint.api_key_given else None,
        )

    def restore(self, owner: str) -> ResolvedEndpoint:
        """Resolve again in this process; `owner` names the object in the warning."""
        return self.reread_key(
            resolve_endpoint(provider=self.provider, base_url=self.base_url), owner
        )

    def reread_key(
        self, endpoint: ResolvedEndpoint, owner: str, *, stacklevel: int = 4
    ) -> ResolvedEndpoint:
        """`endpoint` with a given key read again; `stacklevel` points the warning at the
        code that loaded the pickle."""
        if self.key_env is None or endpoint.api_key is not None:
            return endpoint
        value = os.environ.get(self.key_env)
        if value:
            return replace(endpoint, api_key=SecretStr(value), api_key_given=True)
        warnings.warn(
            f"{owner} was pickled with an explicit api_key, which pickles never carry, and "
            f"{self.key_env} is not set here: its requests will raise MissingAPIKeyError "
            f"until {self.key_env} is set before loading",
            UserWarning,
            stacklevel=stacklevel,
        )
        return replace(endpoint, missing_key_env=self.key_env)
