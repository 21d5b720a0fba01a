"""How a task (a summary, a translation) sends a request: a client's chat, or a function.

A task takes a client, or a function from a request to the reply's text (an adapter's
model call, so that each call is a run of its framework); both become a `ChatCall`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..async_client import AsyncSolarClient
from ..client import SolarClient
from ..types import ChatCompletionRequest
from ._reply import reply_text

__all__ = ["AsyncChatCall", "ChatCall", "async_chat_call", "chat_call"]

# A request in, the reply's text out: a client's chat, or an adapter's model call.
ChatCall = Callable[[ChatCompletionRequest], str]
AsyncChatCall = Callable[[ChatCompletionRequest], Awaitable[str]]


def chat_call(client: SolarClient | ChatCall, task: str) -> ChatCall:
    """`client` as a `ChatCall`: its chat's first choice, stripped (`reply_text`)."""
    if isinstance(client, SolarClient):
        return lambda request: reply_text(client.chat(request), task)
    return client


def async_chat_call(client: AsyncSolarClient | AsyncChatCall, task: str) -> AsyncChatCall:
    """`chat_call` for an `AsyncSolarClient`, or an async function."""
    if isinstance(client, AsyncSolarClient):

        async def call(request: ChatCompletionRequest) -> str:
            return reply_text(await client.chat(request), task)

        return call
    return client
