"""Connection settings shared by every LlamaIndex class here, and the clients they build."""

from __future__ import annotations

from typing import Any, Literal

import httpx
from llama_index.core.bridge.pydantic import BaseModel, Field, PrivateAttr, SecretStr

from solar_api import AsyncSolarClient, SolarClient
from solar_api.factory import ClientOwner
from solar_api.ratelimit import RateLimiter

__all__ = ["SolarConnection"]

ProviderName = Literal["upstage", "nvidia", "julep", "local", "openai_compatible"]


class SolarConnection(ClientOwner, BaseModel):
    """Where requests go and how: the same words as the LangChain classes."""

    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    base_url: str | None = Field(default=None, alias="api_base")
    provider: ProviderName | None = None
    timeout: float | None = Field(
        default=None, gt=0, description="Seconds; default 60 (5 to connect)."
    )
    max_retries: int = Field(default=2, ge=0)
    default_headers: dict[str, str] | None = None
    proxy: str | None = None
    """An HTTP(S) proxy URL; by default HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply."""
    verify: bool | str | None = None
    """TLS verification: on by default; False, or a CA bundle path for a private CA."""
    cert: str | tuple[str, str] | None = None
    """A client certificate: a PEM file, or (certificate, key) files."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    rate_limiter: RateLimiter | None = Field(
        default=None,
        exclude=True,
        description="A solar_api.ratelimit limiter (RedisRateLimiter is shared by every process).",
    )

    _client: SolarClient = PrivateAttr()
    _async_client: AsyncSolarClient = PrivateAttr()

    model_config = {"populate_by_name": True, "arbitrary_types_allowed": True}

    def __getstate__(self) -> dict[str, Any]:
        # The key is left out (re-read from the provider's variable on load, where
        # LlamaIndex's __setstate__ runs __init__ again), and so are the HTTP pools.
        state = super().__getstate__()
        fields = dict(state["__dict__"])
        fields.update(api_key=None, http_client=None, http_async_client=None)
        return {**state, "__dict__": fields, "__pydantic_private__": {}}
