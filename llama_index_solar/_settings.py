"""Connection settings shared by every LlamaIndex class here, and the clients they build."""

from __future__ import annotations

from typing import Any, Literal

import httpx
from llama_index.core.bridge.pydantic import BaseModel, Field, PrivateAttr, SecretStr

from solar_api import AsyncSolarClient, SolarClient
from solar_api.factory import build_clients

__all__ = ["SolarConnection"]

ProviderName = Literal["upstage", "nvidia", "julep", "local", "openai_compatible"]


class SolarConnection(BaseModel):
    """Where requests go and how: the same words as the LangChain classes."""

    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    base_url: str | None = Field(default=None, alias="api_base")
    provider: ProviderName | None = None
    timeout: float | None = Field(
        default=None, gt=0, description="Seconds; default 60 (5 to connect)."
    )
    max_retries: int = Field(default=2, ge=0)
    default_headers: dict[str, str] | None = None
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)

    _client: SolarClient = PrivateAttr()
    _async_client: AsyncSolarClient = PrivateAttr()

    model_config = {"populate_by_name": True, "arbitrary_types_allowed": True}

    def _connect(self) -> None:
        clients = build_clients(
            provider=self.provider,
            base_url=self.base_url,
            api_key=self.api_key,
            timeout=self.timeout,
            max_retries=self.max_retries,
            default_headers=self.default_headers,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
        )
        self.api_key = clients.endpoint.api_key
        self.base_url = clients.endpoint.base_url
        self._client = clients.sync
        self._async_client = clients.async_

    @property
    def provider_name(self) -> str:
        return self._client.provider.name

    def list_models(self) -> list[str]:
        """The model names the server lists (GET /models)."""
        return [m.id for m in self._client.list_models().data]

    async def alist_models(self) -> list[str]:
        return [m.id for m in (await self._async_client.list_models()).data]

    def __getstate__(self) -> dict[str, Any]:
        # The key is left out (re-read from the provider's variable on load, where
        # LlamaIndex's __setstate__ runs __init__ again), and so are the HTTP pools.
        state = super().__getstate__()
        fields = dict(state["__dict__"])
        fields.update(api_key=None, http_client=None, http_async_client=None)
        return {**state, "__dict__": fields, "__pydantic_private__": {}}
