"""`SolarEmbeddings`: Upstage's Solar embeddings (or any OpenAI-compatible server's)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import httpx
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, model_validator
from typing_extensions import Self

from solar_api import AsyncSolarClient, SolarClient
from solar_api.embeddings import batches, document_model, query_model, vectors_in_order
from solar_api.factory import build_clients

__all__ = ["SolarEmbeddings"]


class SolarEmbeddings(BaseModel, Embeddings):
    """Solar embeddings: queries go to ``<model>-query``, documents to ``<model>-passage``.

    Example::

        from langchain_solar import SolarEmbeddings

        embeddings = SolarEmbeddings(model="solar-embedding-1-large")  # UPSTAGE_API_KEY
        vectors = embeddings.embed_documents(["Solar is a small LLM.", "It is fast."])
        query = embeddings.embed_query("What is Solar?")

    Documents are sent in batches of ``batch_size`` (order is kept); async batches run
    at most ``max_concurrency`` at a time. A server that returns one vector per token
    (llama.cpp for models without pooling) gets the normalised mean of them.
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    model: str = "solar-embedding-1-large"
    api_key: SecretStr | None = None
    base_url: str | None = Field(default=None, alias="api_base")
    provider: Literal["upstage", "nvidia", "julep", "local", "openai_compatible"] | None = None
    batch_size: int = Field(default=100, ge=1)
    max_concurrency: int = Field(default=4, ge=1)
    timeout: float | httpx.Timeout | None = Field(default=None, alias="request_timeout")
    max_retries: int = Field(default=2, ge=0)
    default_headers: dict[str, str] | None = None
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)

    _client: SolarClient = PrivateAttr()
    _async_client: AsyncSolarClient = PrivateAttr()

    @model_validator(mode="after")
    def _setup_clients(self) -> Self:
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
        return self

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        model = document_model(self.model)
        out: list[list[float]] = []
        for batch in batches(texts, self.batch_size):
            out.extend(vectors_in_order(self._client.embed(model=model, input=batch), len(batch)))
        return out

    def embed_query(self, text: str) -> list[float]:
        response = self._client.embed(model=query_model(self.model), input=[text])
        return vectors_in_order(response, 1)[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        model = document_model(self.model)
        limit = asyncio.Semaphore(self.max_concurrency)

        async def one(batch: list[str]) -> list[list[float]]:
            async with limit:
                return vectors_in_order(
                    await self._async_client.embed(model=model, input=batch), len(batch)
                )

        results = await asyncio.gather(*(one(b) for b in batches(texts, self.batch_size)))
        return [vector for batch in results for vector in batch]

    async def aembed_query(self, text: str) -> list[float]:
        response = await self._async_client.embed(model=query_model(self.model), input=[text])
        return vectors_in_order(response, 1)[0]

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        fields = dict(state["__dict__"])
        fields.update(api_key=None, http_client=None, http_async_client=None)
        return {**state, "__dict__": fields}
