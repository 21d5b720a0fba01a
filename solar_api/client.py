"""The synchronous client: one pooled `httpx.Client`, one retry loop."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ._base_client import DEFAULT_LIMITS, PROPS_TIMEOUT, BaseClient, _parse_chat
from ._bounded import read_bounded
from ._closing import Closing
from .errors import TRANSPORT_ERRORS
from .providers._server_kind import kind_of_models
from .ratelimit import estimate_tokens, usage_tokens
from .response_info import response_info
from .streaming import Stream
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

__all__ = ["SolarClient"]


class SolarClient(BaseClient[httpx.Client], Closing):
    """Synchronous client for Solar and any OpenAI-compatible server.

    Example::

        from solar_api import SolarClient

        with SolarClient(base_url="http://127.0.0.1:8080/v1") as client:
            reply = client.chat(
                model="solar-1-mini-chat",
                messages=[{"role": "user", "content": "Hi!"}],
            )
            print(reply.choices[0].message.content)

    ``provider`` is ``"upstage"`` (default), ``"nvidia"``, ``"julep"`` or
    ``"openai_compatible"``; keys come from ``api_key`` or the preset's variable
    (``UPSTAGE_API_KEY``...). Nothing touches the network before the first request.
    """

    _UNPICKLED = ("_user_http", "_http", "_lock", "_sleep", "_pid")

    def _reset_transport(self) -> None:
        self._user_http = getattr(self, "_user_http", None)
        self._http: httpx.Client | None = None
        self._pid = 0
        self._lock = threading.Lock()
        # Injectable so tests of the retry policy do not sleep.
        self._sleep: Callable[[float], None] = time.sleep

    def _client(self) -> httpx.Client:
        if self._user_http is not None:
            return self._user_http
        http = self._http
        # A pool inherited through fork shares sockets with the parent: start afresh.
        if http is None or self._pid != os.getpid():
            with self._lock:
                if self._http is None or self._pid != os.getpid():
                    # httpx's own pool (httpcore): HTTP framing is not ours to own.
                    self._http = httpx.Client(
                        timeout=self.timeout,
                        limits=DEFAULT_LIMITS,
                        follow_redirects=False,
                        **self._pool_options,
                    )
                    self._pid = os.getpid()
                    # An object dropped (or left at exit) without close() closes its
                    # sockets instead of leaving them to a ResourceWarning.
                    weakref.finalize(self, self._http.close)
                http = self._http
        return http

    def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        stream: bool,
        request_factory: Callable[[httpx.Client], httpx.Request] | None = None,
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
            lease = limiter.acquire(cost) if limiter is not None else None
            try:
                # Always opened as a stream: a whole body is read with a ceiling on its
                # decoded size (_bounded.py), a stream by the SSE decoder's.
                response = http.send(request, stream=True, follow_redirects=False)
                if not stream or response.status_code >= 300:
                    response = read_bounded(response, self.max_response_bytes)
                if response.status_code < 300:
                    self._log_attempt(request, str(response.status_code), attempt)
                    if limiter is not None and lease is not None:
                        # A stream's usage comes at its end: it keeps the estimate.
                        used = None if stream else usage_tokens(response)
                        limiter.settle(lease, used)
                    return response
            except TRANSPORT_ERRORS as exc:
                delay = self._retry_delay_or_raise(request, attempt, exc=exc)
                self._sleep(delay or 0.0)
                attempt += 1
                continue
            if limiter is not None and lease is not None:
                # Refused: the server used no tokens. A 429 makes every process sharing
                # the limiter wait; the next acquire waits that cool-down out.
                limiter.settle(lease, 0)
                if response.status_code == 429:
                    limiter.cool_down(self.retry.cool_down(attempt, response.headers))
            delay = self._retry_delay_or_raise(request, attempt, response=response, body=body)
            if delay is None:
                continue  # the same call, in a form this server takes
            if lease is not None and response.status_code == 429:
                delay = 0.0  # the shared cool-down is the wait
            self._sleep(delay)
            attempt += 1

    # -- endpoints ----------------------------------------------------------------
    def chat(
        self, request: ChatCompletionRequest | Mapping[str, Any] | None = None, /, **params: Any
    ) -> ChatCompletion:
        """POST /chat/completions. Pass a `ChatCompletionRequest`, a dict, or its fields."""
        body = self.chat_body(request, params, stream=False)
        self._read_props(body)
        response = self._send("POST", "/chat/completions", body, stream=False)
        completion = _parse_chat(response)
        for _ in range(2):
            # A forced tool call answered without one: learned (providers/lessons.py),
            # then once more in the form this server enforces, or emulated.
            sent = self._missed_forced_call(response, completion)
            if sent is None:
                break
            self._read_props(body)
            if not self._sent_differently(sent):
                break
            response = self._send("POST", "/chat/completions", body, stream=False)
            completion = _parse_chat(response)
        completion._response_info = response_info(response.headers)
        return completion

    def chat_stream(
        self,
        request: ChatCompletionRequest | Mapping[str, Any] | None = None,
        /,
        *,
        include_usage: bool | None = None,
        **params: Any,
    ) -> Stream[ChatCompletionChunk]:
        """POST /chat/completions with ``stream: true``; retried only before the first byte."""
        body = self.chat_body(request, params, stream=True, include_usage=include_usage)
        self._read_props(body)
        response = self._send("POST", "/chat/completions", body, stream=True)
        return Stream(
            response,
            ChatCompletionChunk,
            owner=self,
            max_event_bytes=self.max_event_bytes,
            hooks=self._chat_stream_hooks(response),
        )

    def complete(
        self, request: CompletionRequest | Mapping[str, Any] | None = None, /, **params: Any
    ) -> Completion:
        """POST /completions (prompt in, text out)."""
        body = self.completion_body(request, params, stream=False)
        return self._parse(Completion, self._send("POST", "/completions", body, stream=False))

    def complete_stream(
        self,
        request: CompletionRequest | Mapping[str, Any] | None = None,
        /,
        *,
        include_usage: bool | None = None,
        **params: Any,
    ) -> Stream[Completion]:
        body = self.completion_body(request, params, stream=True, include_usage=include_usage)
        return Stream(
            self._send("POST", "/completions", body, stream=True),
            Completion,
            owner=self,
            max_event_bytes=self.max_event_bytes,
        )

    def embed(self, request: EmbeddingRequest | None = None, /, **params: Any) -> EmbeddingResponse:
        """POST /embeddings."""
        body = request.to_wire() if request is not None else self.embedding_body(params)
        return self._parse(EmbeddingResponse, self._send("POST", "/embeddings", body, stream=False))

    def list_models(self) -> ModelList:
        """GET /models."""
        models = self._parse(ModelList, self._send("GET", "/models", None, stream=False))
        self._learn_kind(kind_of_models(models), "owned_by 'llamacpp' in /models")
        return models

    def _read_props(self, body: dict[str, Any]) -> None:
        """Read llama-server's ``GET /props`` once, before its first forced tool call."""
        url = self._props_wanted(body)
        if url is None:
            return
        response = None
        with contextlib.suppress(httpx.HTTPError):
            response = self._client().get(
                url, headers=self._request_headers(stream=False), timeout=PROPS_TIMEOUT
            )
        self._learn_props(response)

    # -- lifecycle ----------------------------------------------------------------
    def close(self) -> None:
        """Close the pool this client made (a client passed in is the caller's to close)."""
        if self._http is not None:
            self._http.close()
            self._http = None
