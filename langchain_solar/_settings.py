"""Connection settings shared by every LangChain class here, and the clients they build."""

from __future__ import annotations

from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr

from solar_api import AsyncSolarClient, SolarClient
from solar_api.factory import ClientOwner

__all__ = ["SolarConnection"]

ProviderName = Literal["upstage", "nvidia", "julep", "local", "openai_compatible"]


class SolarConnection(ClientOwner, BaseModel):
    """Where requests go and how: provider, URL, key, timeouts, retries, HTTP clients."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    api_key: SecretStr | None = None
    """Read from the provider's variable (``UPSTAGE_API_KEY``...) when not given."""
    base_url: str | None = Field(default=None, alias="api_base")
    """Server URL; read from ``UPSTAGE_BASE_URL``/``NVIDIA_BASE_URL``/``JULEP_BASE_URL``."""
    provider: ProviderName | None = None
    """Inferred from ``base_url`` when not given; ``upstage`` without either."""
    timeout: float | httpx.Timeout | None = Field(default=None, alias="request_timeout")
    """Seconds (or an ``httpx.Timeout``); default 60 s, 5 s to connect."""
    max_retries: int = Field(default=2, ge=0)
    default_headers: dict[str, str] | None = None
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)

    _client: SolarClient = PrivateAttr()
    _async_client: AsyncSolarClient = PrivateAttr()

    # Pickles never carry the key (re-read from the provider's variable on load) or pools.
    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        fields = dict(state["__dict__"])
        fields.update(api_key=None, http_client=None, http_async_client=None)
        return {**state, "__dict__": fields, "__pydantic_private__": None}

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        self._connect()
