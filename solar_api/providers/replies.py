"""A chat reply in the caller's terms, whole or streamed, and what it shows of its server.

What shaping changed to make a server enforce a forced tool call is undone here, judged
on the body as sent (its marks, not what is learned now): the JSON answer to an emulated
call (``_tool_as_json.py``) becomes the tool call, and a call of the any-of stand-in
(``_one_of.py``) becomes a call of the tool it names. A stream also shows which kind of
server answered and whether a tool was called, for the client to learn from once the
stream has ended well (the streaming layer knows none of this: it calls the hooks).
"""

from __future__ import annotations

from collections.abc import Callable

from ..types import ChatCompletion, ChatCompletionChunk
from ._one_of import ONE_OF, OneOfStream, sent_one_of, unwrap_calls
from ._server_kind import kind_of_reply
from ._tool_as_json import ToolAsJsonStream, as_tool_calls, emulated_tool

__all__ = ["ChatChunkHooks", "StreamLesson", "restore_completion"]

# Called when a chat stream has ended well: (the body as sent, whether a tool call came,
# the kind of server its chunks showed). The client learns from it (_base_client.py).
StreamLesson = Callable[[bytes, bool, "str | None"], None]


def restore_completion(completion: ChatCompletion, sent: bytes) -> None:
    """`completion` (in place) as the caller's own request would have been answered."""
    emulated = emulated_tool(sent)
    if emulated is not None:
        as_tool_calls(completion, emulated)
    if emulated == ONE_OF or sent_one_of(sent):
        for choice in completion.choices:
            if choice.message.tool_calls:
                unwrap_calls(choice.message.tool_calls)


class ChatChunkHooks:
    """A chat stream's chunks restored one by one, and what they showed, for `lesson`."""

    __slots__ = ("_as_call", "_called_tool", "_kind", "_lesson", "_one_of", "_sent")

    def __init__(self, sent: bytes, lesson: StreamLesson) -> None:
        # A forced call emulated as JSON comes as content.
        emulated = emulated_tool(sent)
        self._as_call = ToolAsJsonStream(emulated) if emulated is not None else None
        self._one_of = OneOfStream() if emulated == ONE_OF or sent_one_of(sent) else None
        self._sent = sent
        self._lesson = lesson
        self._called_tool = False
        self._kind: str | None = None

    def chunk(self, chunk: ChatCompletionChunk) -> None:
        if self._as_call is not None:
            self._as_call.convert(chunk)
        if self._one_of is not None:
            self._one_of.unwrap(chunk)
        self._kind = self._kind or kind_of_reply(chunk)
        self._called_tool = self._called_tool or any(c.delta.tool_calls for c in chunk.choices)

    def ended(self) -> None:
        self._lesson(self._sent, self._called_tool, self._kind)
