"""One place that turns adapter settings into a sync and an async client."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, SupportsIndex

import httpx
from pydantic import SecretStr

from ._base_client import TimeoutLike
from ._pickling import PickledEndpoint
from .async_client import AsyncSolarClient
from .client import SolarClient
from .providers._presets import ResolvedEndpoint, resolve_endpoint
from .ratelimit import RateLimiter, solar_rate_limiter
from .transports.tls import CertLike, VerifyLike

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
    proxy: str | None = None,
    verify: VerifyLike | None = None,
    cert: CertLike = None,
    rate_limiter: RateLimiter | None = None,
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
        "proxy": proxy,
        "verify": True if verify is None else verify,
        "cert": cert,
        # One limiter for both clients: sync and async calls draw on one budget.
        "rate_limiter": rate_limiter,
    }
    pair = ClientPair(
        endpoint=endpoint,
        sync=SolarClient(**common, http_client=http_client),  # type: ignore[arg-type]
        async_=AsyncSolarClient(**common, http_client=http_async_client),  # type: ignore[arg-type]
    )
    # The clients keep where each value came from (given or read from the environment),
    # which their pickles and their owner's depend on.
    pair.sync._endpoint = pair.async_._endpoint = endpoint
    return pair


class ClientOwner:
    """Behaviour shared by the adapters' settings classes (LangChain's and LlamaIndex's).

    The class that mixes this in declares the connection fields (``provider``,
    ``base_url``, ``api_key``, ``timeout``, ``max_retries``, ``default_headers``,
    ``http_client``, ``http_async_client``) and the ``_client``/``_async_client`` slots.
    """

    provider: str | None
    base_url: str | None
    # A str is turned into a SecretStr by the settings classes' validators.
    api_key: str | SecretStr | None
    timeout: TimeoutLike
    max_retries: int
    default_headers: dict[str, str] | None
    http_client: httpx.Client | None
    http_async_client: httpx.AsyncClient | None
    proxy: str | None
    verify: bool | str | None
    cert: str | tuple[str, str] | None
    _client: SolarClient
    _async_client: AsyncSolarClient

    def _connect(self) -> None:
        """Resolve provider, URL and key (reading the environment) and build the clients."""
        clients = build_clients(
            provider=self.provider,
            base_url=self.base_url,
            api_key=self.api_key,
            timeout=self.timeout,
            max_retries=self.max_retries,
            default_headers=self.default_headers,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
            proxy=self.proxy,
            verify=self.verify,
            cert=self.cert,
            rate_limiter=solar_rate_limiter(getattr(self, "rate_limiter", None)),
        )
        self.api_key = clients.endpoint.api_key
        self.base_url = clients.endpoint.base_url
        self._client = clients.sync
        self._async_client = clients.async_

    # -- pickling (see _pickling.py): the adapters' __getstate__ use _pickled_fields ----
    def _pickled_fields(self) -> dict[str, Any]:
        """The fields a pickle carries in place of the live ones: the resolved provider,
        the base URL only if it was given, no key and no HTTP clients."""
        pickled = PickledEndpoint.of(self._client._endpoint)
        return {
            "provider": pickled.provider,
            "base_url": pickled.base_url,
            "api_key": None,
            "http_client": None,
            "http_async_client": None,
        }

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # The pickle also says whether a key was given (to read it again on load).
        key_env = PickledEndpoint.of(self._client._endpoint).key_env
        return (_unpickle, (type(self), self.__getstate__(), key_env))

    def _reread_key(self, key_env: str) -> None:
        pickled = PickledEndpoint(provider=self.provider_name, base_url=None, key_env=key_env)
        endpoint = pickled.reread_key(self._client._endpoint, type(self).__name__)
        for client in (self._client, self._async_client):
            client._endpoint = replace(endpoint)
            client._own_headers = {}
        self.api_key = endpoint.api_key

    @property
    def provider_name(self) -> str:
        return self._client.provider.name

    def __repr_args__(self) -> Any:
        # pydantic's repr: the provider that was resolved, not None when it was inferred.
        private = getattr(self, "__pydantic_private__", None) or {}
        resolved = private.get("_client") if isinstance(private, dict) else None
        for name, value in super().__repr_args__():  # type: ignore[misc]
            if name == "provider" and value is None and resolved is not None:
                value = resolved.provider.name
            yield name, value

    def list_models(self) -> list[str]:
        """The model names the server lists (GET /models)."""
        return [m.id for m in self._client.list_models().data]

    async def alist_models(self) -> list[str]:
        return [m.id for m in (await self._async_client.list_models()).data]

    def close(self) -> None:
        """Close the sync connection pool (it is made again if the object is used)."""
        self._client.close()

    async def aclose(self) -> None:
        """Close the running event loop's async connection pool.

        Needed only when that loop is closed by hand without ``shutdown_asyncgens()``;
        ``asyncio.run`` and ``asyncio.Runner`` close it themselves.
        """
        await self._async_client.aclose()

    def check_model(self, model: str) -> None:
        """Raise ``ValueError`` unless the server lists `model` (one GET /models).

        Never called at construction: a model name is checked only when asked.
        """
        available = self.list_models()
        if model not in available:
            raise ValueError(
                f"model: got {model!r}; the server at {self.base_url} lists "
                f"{', '.join(available) or 'no models'}"
            )


def _unpickle(cls: type[ClientOwner], state: dict[str, Any], key_env: str | None) -> ClientOwner:
    obj = cls.__new__(cls)
    obj.__setstate__(state)  # type: ignore[attr-defined]  # the adapter's (pydantic's)
    if key_env is not None:
        obj._reread_key(key_env)
    return obj
