"""The asynchronous client: one pooled `httpx.AsyncClient` per event loop.

An httpx async pool is bound to the loop it first ran on; reusing it from another
loop (a second `asyncio.run`, a thread with its own loop) fails with "Event loop is
closed". So the client keeps one pool per running loop, made on first use there.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from ._base_client import DEFAULT_LIMITS, PROPS_TIMEOUT, BaseClient, _parse_chat
from ._bounded import aread_bounded
from ._closing import AsyncClosing
from .errors import TRANSPORT_ERRORS
from .providers._server_kind import kind_of_models
from .ratelimit import estimate_tokens, usage_tokens
from .response_info import response_info
from .streaming import AsyncStream
from .transports._choice import async_transport
from .types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
    EmbeddingRequest,
    EmbeddingResponse,
    ModelList,
)

__all__ = ["AsyncSolarClient"]


class AsyncSolarClient(BaseClient[httpx.AsyncClient], AsyncClosing):
    """Asynchronous client; the same methods as `SolarClient`, awaited.

    Example::

        import asyncio
        from solar_api import AsyncSolarClient

        async def main() -> None:
            async with AsyncSolarClient(base_url="http://127.0.0.1:8080/v1") as client:
                stream = await client.chat_stream(
                    model="solar-1-mini-chat",
                    messages=[{"role": "user", "content": "Hi!"}],
                )
                async for chunk in stream:
                    print(chunk.choices[0].delta.content or "", end="")

        asyncio.run(main())
    """

    _UNPICKLED = ("_user_http", "_pools", "_sleep")

    def _reset_transport(self) -> None:
        self._user_http = getattr(self, "_user_http", None)
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def _client(self) -> httpx.AsyncClient:
        if self._user_http is not None:
            return self._user_http
        loop = asyncio.get_running_loop()
        http = self._pools.get(loop)
        if http is None or http.is_closed:
            # A pool refers to its loop, so its weak key never dies on its own: drop the
            # pools of loops that have closed, or each asyncio.run would leave one behind.
            for old in [key for key in self._pools if key.is_closed()]:
                del self._pools[old]
            options = self._pool_options
            http = httpx.AsyncClient(
                timeout=self.timeout,
                limits=DEFAULT_LIMITS,
                follow_redirects=False,
                transport=async_transport(options, DEFAULT_LIMITS),
                **options,
            )
            self._pools[loop] = http
        return http

    async def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        stream: bool,
        request_factory: Callable[[httpx.AsyncClient], httpx.Request] | None = None,
    ) -> httpx.Response:
        """One request through the retry policy and the limiter. ``request_factory``
        builds each attempt's request instead of a JSON body to ``path`` (the document
        APIs' multipart forms, solar_api/documents/_http.py); ``body`` is then None."""
        http = self._client()
        limiter = self.rate_limiter
        cost = estimate_tokens(path, body) if limiter is not None else 0
        attempt = 0
        while True:
            request = (
                request_factory(http)
                if request_factory is not None
                else self._build_request(http, method, path, body, stream=stream)
            )
            lease = await limiter.aacquire(cost) if limiter is not None else None
            try:
                # Always opened as a stream: see SolarClient._send.
                response = await http.send(request, stream=True, follow_redirects=False)
                if not stream or response.status_code >= 300:
                    response = await aread_bounded(response, self.max_response_bytes)
                if response.status_code < 300:
                    self._log_attempt(request, str(response.status_code), attempt)
                    if limiter is not None and lease is not None:
                        # A stream's usage comes at its end: it keeps the estimate.
                        used = None if stream else usage_tokens(response)
                        await limiter.asettle(lease, used)
                    return response
            except TRANSPORT_ERRORS as exc:
                delay = self._retry_delay_or_raise(request, attempt, exc=exc)
                await self._sleep(delay or 0.0)
                attempt += 1
                continue
            if limiter is not None and lease is not None:
                # Refused: the server used no tokens. A 429 makes every process sharing
                # the limiter wait; the next acquire waits that cool-down out.
                await limiter.asettle(lease, 0)
                if response.status_code == 429:
                    await limiter.acool_down(self.retry.cool_down(attempt, response.headers))
            delay = self._retry_delay_or_raise(request, attempt, response=response, body=body)
            if delay is None:
                continue  # the same call, in a form this server takes
            if lease is not None and response.status_code == 429:
                delay = 0.0  # the shared cool-down is the wait
            await self._sleep(delay)
            attempt += 1

    # -- endpoints ----------------------------------------------------------------
    async def chat(
        self, request: ChatCompletionRequest | Mapping[str, Any] | None = None, /, **params: Any
    ) -> ChatCompletion:
        body = self.chat_body(request, params, stream=False)
        await self._read_props(body)
        response = await self._send("POST", "/chat/completions", body, stream=False)
        completion = _parse_chat(response)
        for _ in range(2):
            # A forced tool call answered without one: learned (providers/lessons.py),
            # then once more in the form this server enforces, or emulated.
            sent = self._missed_forced_call(response, completion)
            if sent is None:
                break
            await self._read_props(body)
            if not self._sent_differently(sent):
                break
            response = await self._send("POST", "/chat/completions", body, stream=False)
            completion = _parse_chat(response)
        completion._response_info = response_info(response.headers)
        return completion

    async def chat_stream(
        self,
        request: ChatCompletionRequest | Mapping[str, Any] | None = None,
        /,
        *,
        include_usage: bool | None = None,
        **params: Any,
    ) -> AsyncStream[ChatCompletionChunk]:
        body = self.chat_body(request, params, stream=True, include_usage=include_usage)
        await self._read_props(body)
        response = await self._send("POST", "/chat/completions", body, stream=True)
        return AsyncStream(
            response,
            ChatCompletionChunk,
            owner=self,
            max_event_bytes=self.max_event_bytes,
            hooks=self._chat_stream_hooks(response),
        )

    async def complete(
        self, request: CompletionRequest | Mapping[str, Any] | None = None, /, **params: Any
    ) -> Completion:
        body = self.completion_body(request, params, stream=False)
        return self._parse(Completion, await self._send("POST", "/completions", body, stream=False))

    async def complete_stream(
        self,
        request: CompletionRequest | Mapping[str, Any] | None = None,
        /,
        *,
        include_usage: bool | None = None,
        **params: Any,
    ) -> AsyncStream[Completion]:
        body = self.completion_body(request, params, stream=True, include_usage=include_usage)
        response = await self._send("POST", "/completions", body, stream=True)
        return AsyncStream(response, Completion, owner=self, max_event_bytes=self.max_event_bytes)

    async def embed(
        self, request: EmbeddingRequest | None = None, /, **params: Any
    ) -> EmbeddingResponse:
        body = request.to_wire() if request is not None else self.embedding_body(params)
        response = await self._send("POST", "/embeddings", body, stream=False)
        return self._parse(EmbeddingResponse, response)

    async def list_models(self) -> ModelList:
        models = self._parse(ModelList, await self._send("GET", "/models", None, stream=False))
        self._learn_kind(kind_of_models(models), "owned_by 'llamacpp' in /models")
        return models

    async def _read_props(self, body: dict[str, Any]) -> None:
        """Read llama-server's ``GET /props`` once, before its first forced tool call."""
        url = self._props_wanted(body)
        if url is None:
            return
        response = None
        with contextlib.suppress(httpx.HTTPError):
            response = await self._client().get(
                url, headers=self._request_headers(stream=False), timeout=PROPS_TIMEOUT
            )
        self._learn_props(response)

    # -- lifecycle ----------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the pool of the running loop; pools of other loops are dropped."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - aclose is always awaited
            loop = None
        pools, self._pools = self._pools, weakref.WeakKeyDictionary()
        own = pools.get(loop) if loop is not None else None
        if own is not None:
            await own.aclose()
