"""The summarizer's and translator's model calls, made through a `ChatSolar`.

Sending each request through LangChain's own chat model makes it a child run of the
summarizer's or translator's run: callbacks and tracers see it, usage reaches
``get_usage_metadata_callback()``, ``astream_events`` reports chat-model events, and
``stream()`` can pass its tokens on. The inner model shares its owner's connection pools.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from langchain_core.messages import BaseMessage, BaseMessageChunk, convert_to_messages
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import patch_config

from solar_api.integration import Connection
from solar_api.types import ChatCompletionRequest

from .chat_models import ChatSolar

__all__ = ["InnerChat", "astream_from", "child_config", "stream_from"]

RunManager = CallbackManagerForChainRun | AsyncCallbackManagerForChainRun


def child_config(config: RunnableConfig | None, run_manager: RunManager | None) -> RunnableConfig:
    """The config for a call made inside a run: its callbacks are the run's children."""
    if run_manager is None:
        return config or {}
    return patch_config(config, callbacks=run_manager.get_child())


def _content(message: BaseMessage) -> str:
    # message.text is a method before langchain-core 1.0 and a property after: read content.
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(
        b if isinstance(b, str) else str(b.get("text", ""))
        for b in content
        if isinstance(b, str) or b.get("type") == "text"
    )


def _text(message: BaseMessage) -> str:
    return _content(message).strip()


class InnerChat:
    """A `ChatSolar` on `owner`'s connection that takes `solar_api` requests."""

    def __init__(self, owner: Connection, model: str) -> None:
        # One pool per owner: the inner model sends on the owner's clients.
        self.model = ChatSolar.sharing_clients_of(owner, model=model)

    @staticmethod
    def _split(request: ChatCompletionRequest) -> tuple[list[BaseMessage], dict[str, Any]]:
        wire = request.to_wire()
        messages = convert_to_messages(wire.pop("messages"))
        return messages, wire

    def invoke(self, request: ChatCompletionRequest, config: RunnableConfig) -> str:
        messages, params = self._split(request)
        reply = self.model.invoke(messages, config, **params)
        return _text(reply)

    async def ainvoke(self, request: ChatCompletionRequest, config: RunnableConfig) -> str:
        messages, params = self._split(request)
        reply = await self.model.ainvoke(messages, config, **params)
        return _text(reply)

    def stream(
        self,
        request: ChatCompletionRequest,
        config: RunnableConfig,
        on_token: Callable[[str], None],
    ) -> str:
        """Stream the reply, passing each token on; returns the whole text."""
        messages, params = self._split(request)
        return _joined(self.model.stream(messages, config, **params), on_token)

    async def astream(
        self,
        request: ChatCompletionRequest,
        config: RunnableConfig,
        on_token: Callable[[str], Awaitable[None]],
    ) -> str:
        messages, params = self._split(request)
        parts: list[str] = []
        stream: AsyncIterator[BaseMessageChunk] = self.model.astream(messages, config, **params)
        async for chunk in stream:
            token = _content(chunk)
            if token:
                parts.append(token)
                await on_token(token)
        return "".join(parts).strip()


def _joined(chunks: Iterator[BaseMessageChunk], on_token: Callable[[str], None]) -> str:
    parts: list[str] = []
    for chunk in chunks:
        token = _content(chunk)
        if token:
            parts.append(token)
            on_token(token)
    return "".join(parts).strip()


_DONE = object()


def stream_from(run: Callable[[Callable[[str], None]], str]) -> Iterator[str]:
    """Yield the tokens ``run(on_token)`` passes on while it runs in a worker thread.

    When it streamed nothing (a reply that needed no model call), its result is
    yielded whole. The thread runs in a copy of this context, so LangChain's run
    context (the parent of its calls) goes with it.
    """
    tokens: queue.Queue[Any] = queue.Queue()
    outcome: list[Any] = []

    def work() -> None:
        try:
            outcome.append(run(tokens.put))
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)
        finally:
            tokens.put(_DONE)

    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(work,), daemon=True)
    thread.start()
    streamed = False
    while (token := tokens.get()) is not _DONE:
        streamed = True
        yield token
    thread.join()
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    if not streamed:
        yield result


async def astream_from(
    run: Callable[[Callable[[str], Awaitable[None]]], Awaitable[str]],
) -> AsyncIterator[str]:
    """The async twin of `stream_from`: `run` is a task on this loop."""
    tokens: asyncio.Queue[Any] = asyncio.Queue()

    async def work() -> str:
        try:
            return await run(tokens.put)
        finally:
            await tokens.put(_DONE)

    task = asyncio.ensure_future(work())
    streamed = False
    try:
        while (token := await tokens.get()) is not _DONE:
            streamed = True
            yield token
        result = await task
    finally:
        if not task.done():
            task.cancel()
    if not streamed:
        yield result
