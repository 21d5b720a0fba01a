"""Typed SSE streams over an open httpx response.

A stream ends well on ``data: [DONE]``, or, for servers that omit it, when the body ends
after a chunk with a ``finish_reason``. A body that ends with neither, or a connection
that breaks, raises `StreamInterruptedError` carrying how many events were delivered:
the caller knows the text it has is partial, and nothing retries it behind its back.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, Generic, Protocol, TypeVar

import httpx
from pydantic import ValidationError

from ._closing import AsyncClosing, Closing
from ._validation import first_error
from .errors import (
    TRANSPORT_ERRORS,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    SolarError,
    StreamInterruptedError,
    as_transport_error,
    response_target,
)
from .sse import DEFAULT_MAX_EVENT_BYTES, ServerSentEvent, SSEDecoder
from .types import ChatCompletionChunk

__all__ = ["AsyncStream", "ChunkHooks", "Stream"]


class _Chunk(Protocol):
    error: Any

    @property
    def choices(self) -> list[Any]: ...


T = TypeVar("T", bound=_Chunk)
T_contra = TypeVar("T_contra", contravariant=True)


class ChunkHooks(Protocol[T_contra]):
    """What the client adds to a stream, knowing its server (this module knows none):
    `chunk` sees each chunk, in place, before the caller does; `ended` is called once
    the stream has ended well (providers/replies.py)."""

    def chunk(self, chunk: T_contra, /) -> None: ...

    def ended(self) -> None: ...


class _ToolCallHeads:
    """Blanks the id, type and name a server repeats on every delta of a tool call.

    OpenAI sends them on a call's first delta only; llama.cpp repeats them on each one,
    which would make a consumer that concatenates deltas read ``JokeJokeJoke``.
    """

    def __init__(self) -> None:
        self._heads: dict[tuple[int, int], tuple[str | None, str | None]] = {}

    def clean(self, chunk: ChatCompletionChunk) -> None:
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or ():
                key = (choice.index, delta.index)
                name = delta.function.name if delta.function else None
                head = self._heads.get(key)
                if head is None:
                    self._heads[key] = (delta.id, name)
                    continue
                seen_id, seen_name = head
                if delta.id is not None and delta.id == seen_id:
                    delta.id = None
                    delta.type = None
                if delta.function is not None and name is not None and name == seen_name:
                    delta.function.name = None
                self._heads[key] = (seen_id or delta.id, seen_name or name)


_DRAIN_LIMIT = 64 * 1024


class _StreamState(Generic[T]):
    """Decoding shared by the sync and async streams; no I/O here."""

    def __init__(
        self,
        response: httpx.Response,
        cast_to: type[T],
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        hooks: ChunkHooks[T] | None = None,
    ):
        self.response = response
        self._cast_to = cast_to
        self._decoder = SSEDecoder(max_event_bytes)
        self.events = 0
        self.done = False
        self._finished = False
        self._drained = 0
        self._heads = _ToolCallHeads() if cast_to is ChatCompletionChunk else None
        self._hooks = hooks

    def feed(self, raw: bytes) -> Iterator[T]:
        return self._decode(self._decoder.feed(raw))

    def flush(self) -> Iterator[T]:
        return self._decode(self._decoder.flush())

    def _decode(self, events: list[ServerSentEvent]) -> Iterator[T]:
        # A generator, so chunks before an error in the same read still reach the caller.
        for event in events:
            if self.done:
                break
            data = event.data
            if data == "[DONE]":
                self.done = True
                break
            if event.event == "error":
                raise APIStreamError(
                    _loads_lenient(data), events_received=self.events, response=self.response
                )
            try:
                chunk = self._cast_to.model_validate_json(data)  # type: ignore[attr-defined]
            except ValidationError as exc:
                raise APIResponseValidationError(
                    f"Stream event {self.events + 1} is not a valid "
                    f"{self._cast_to.__name__}: {first_error(exc)}",
                    body=data[:500],
                    response=self.response,
                ) from None
            if chunk.error is not None:
                raise APIStreamError(
                    {"error": chunk.error}, events_received=self.events, response=self.response
                )
            if self._heads is not None:
                self._heads.clean(chunk)  # type: ignore[arg-type]
            if self._hooks is not None:
                self._hooks.chunk(chunk)
            self.events += 1
            if not self._finished:
                for choice in chunk.choices:
                    if choice.finish_reason:
                        self._finished = True
            yield chunk

    def drain(self, raw: bytes) -> bool:
        """Read on past [DONE] to the body's end, so the connection goes back to the pool.

        Closing a response with its last bytes unread throws the connection away, and
        the next request pays for a new one (measured: ~100 us more per short stream on
        loopback). A server that keeps talking after [DONE] is cut off after 64 KiB;
        one that breaks the connection there has lost nothing.
        """
        self._drained += len(raw)
        return self._drained <= _DRAIN_LIMIT

    def ended(self) -> None:
        """After the stream ended well: the hooks' turn (what it showed, to learn)."""
        if self._hooks is not None:
            self._hooks.ended()

    def check_complete(self) -> None:
        if not self.done and not self._finished:
            raise StreamInterruptedError(
                f"The stream{self._source()} ended after {self.events} events without "
                "[DONE] or a finish_reason; the output is incomplete.",
                events_received=self.events,
                request=self._request(),
            )

    def transport_error(self, exc: Exception) -> SolarError:
        exc = as_transport_error(exc)
        if isinstance(exc, httpx.TimeoutException) and self.events == 0:
            return APITimeoutError(
                f"Timed out waiting for the first stream event{self._source()}.",
                request=self._request(),
            )
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "was interrupted"
        return StreamInterruptedError(
            f"The stream{self._source()} {kind} after {self.events} events "
            f"({type(exc).__name__}); the output is incomplete and was not retried.",
            events_received=self.events,
            request=self._request(),
        )

    def _request(self) -> httpx.Request | None:
        try:
            return self.response.request
        except RuntimeError:  # a response made without a request (tests, replays)
            return None

    def _source(self) -> str:
        """`` from POST http://host/v1/chat/completions`` for the messages above."""
        target = response_target(self.response)
        return f" from {target}" if target else ""


class _OpenStream(Generic[T]):
    """What the sync and async streams hold: the response, its decoding, its owner."""

    def __init__(
        self,
        response: httpx.Response,
        cast_to: type[T],
        *,
        owner: object = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        hooks: ChunkHooks[T] | None = None,
    ):
        self.response = response
        self._state = _StreamState(response, cast_to, max_event_bytes, hooks)
        # The client whose pool the response reads from: held until the stream is closed,
        # so a stream made by a client nothing else holds (a one-liner, a helper's return)
        # is not cut off when that client is collected and its pool closed.
        self._owner = owner


class Stream(_OpenStream[T], Closing):
    """Iterate typed chunks; closes the response when exhausted, broken or closed.

    Example::

        with client.chat_stream(model="solar-mini4", messages=[...]) as stream:
            for chunk in stream:
                print(chunk.choices[0].delta.content or "", end="")
    """

    def __iter__(self) -> Iterator[T]:
        state = self._state
        try:
            for raw in self.response.iter_bytes():
                if state.done:
                    if not state.drain(raw):
                        break
                    continue
                yield from state.feed(raw)
            else:
                yield from state.flush()
        except TRANSPORT_ERRORS as exc:
            if not state.done:
                raise state.transport_error(exc) from None
        finally:
            self.close()
        state.check_complete()
        state.ended()

    def close(self) -> None:
        self.response.close()
        self._owner = None


class AsyncStream(_OpenStream[T], AsyncClosing):
    """The async twin of `Stream`."""

    async def __aiter__(self) -> AsyncIterator[T]:
        state = self._state
        try:
            async for raw in self.response.aiter_bytes():
                if state.done:
                    if not state.drain(raw):
                        break
                    continue
                for chunk in state.feed(raw):
                    yield chunk
            else:
                for chunk in state.flush():
                    yield chunk
        except TRANSPORT_ERRORS as exc:
            if not state.done:
                raise state.transport_error(exc) from None
        finally:
            await self.aclose()
        state.check_complete()
        state.ended()

    async def aclose(self) -> None:
        await self.response.aclose()
        self._owner = None


def _loads_lenient(data: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return {"error": {"message": data or "error event with no data"}}
