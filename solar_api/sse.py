"""An incremental Server-Sent Events decoder (the WHATWG algorithm, bytes in, events out).

It is fed raw reads of any size: events and lines split across reads, CR, LF and CRLF
line ends (a CR at the end of one read and the LF at the start of the next are one line
end), multi-line `data:`, comments (`: keep-alive`) and the `event`/`id`/`retry` fields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import NamedTuple

__all__ = ["SSEDecoder", "ServerSentEvent", "aiter_sse", "iter_sse"]


class ServerSentEvent(NamedTuple):
    # A NamedTuple: immutable like a frozen dataclass, and made several times faster,
    # which counts once per stream chunk.
    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    __slots__ = ("_data", "_event", "_id", "_pending", "_retry")

    def __init__(self) -> None:
        self._pending = b""
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one read; returns the events it completed (often none or one)."""
        buf = self._pending + chunk if self._pending else chunk
        if not buf:
            return []
        lines = buf.splitlines(keepends=True)
        last = lines[-1]
        # An unterminated tail, or a lone CR that may be the first half of CRLF, waits.
        if last[-1:] == b"\r" or last[-1:] != b"\n":
            self._pending = last
            lines.pop()
        else:
            self._pending = b""
        events: list[ServerSentEvent] = []
        data = self._data
        for raw in lines:
            # Fast path for the two lines nearly every event is made of: `data: ...`
            # and the blank line that ends it. Everything else goes through _line.
            if raw[:5] == b"data:":
                value = raw[5:].rstrip(b"\r\n")
                if value[:1] == b" ":
                    value = value[1:]
                data.append(value.decode("utf-8", "replace"))
                continue
            event = self._line(raw.rstrip(b"\r\n").decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
                data = self._data
        return events

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: finish a pending line and a last event with no blank line after it."""
        events: list[ServerSentEvent] = []
        if self._pending:
            tail, self._pending = self._pending, b""
            event = self._line(tail.rstrip(b"\r\n").decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
        event = self._line("")
        if event is not None:
            events.append(event)
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            if not self._data:
                self._event = ""
                return None
            event = ServerSentEvent(
                data="\n".join(self._data),
                event=self._event or "message",
                id=self._id,
                retry=self._retry,
            )
            self._data = []
            self._event = ""
            return event
        if line[0] == ":":
            return None
        name, sep, value = line.partition(":")
        if sep and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\x00" not in value:
                self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None


def iter_sse(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()


async def aiter_sse(chunks: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
    decoder = SSEDecoder()
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.flush():
        yield event
