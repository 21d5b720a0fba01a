"""One place that turns adapter settings into a sync and an async client."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from ._base_client import TimeoutLike
from .async_client import AsyncSolarClient
from .client import SolarClient
from .providers import ResolvedEndpoint, resolve_endpoint

__all__ = ["ClientPair", "build_clients"]


@dataclass(frozen=True)
class ClientPair:
    endpoint: ResolvedEndpoint
    sync: SolarClient
    async_: AsyncSolarClient


def build_clients(
    *,
    provider: str | None,
    base_url: str | None,
    api_key: SecretStr | str | None,
    timeout: TimeoutLike,
    max_retries: int,
    default_headers: dict[str, str] | None,
    http_client: httpx.Client | None = None,
    http_async_client: httpx.AsyncClient | None = None,
) -> ClientPair:
    """Resolve provider, URL and key once (reading the environment), build both clients."""
    endpoint = resolve_endpoint(provider=provider, base_url=base_url, api_key=api_key)
    common = {
        "api_key": endpoint.api_key,
        "base_url": endpoint.base_url,
        "provider": endpoint.provider.name,
        "timeout": timeout,
        "max_retries": max_retries,
        "default_headers": default_headers,
    }
    return ClientPair(
        endpoint=endpoint,
        sync=SolarClient(**common, http_client=http_client),  # type: ignore[arg-type]
        async_=AsyncSolarClient(**common, http_client=http_async_client),  # type: ignore[arg-type]
    )
