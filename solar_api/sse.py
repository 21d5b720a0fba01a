"""An incremental Server-Sent Events decoder (the WHATWG algorithm, bytes in, events out).

It is fed raw reads of any size: events and lines split across reads, CR, LF and CRLF
line ends (a CR at the end of one read and the LF at the start of the next are one line
end), multi-line `data:`, comments (`: keep-alive`) and the `event`/`id`/`retry` fields.

A line, and an event's data, may be at most `max_event_bytes` long (16 MiB by default):
a server that sends more without ending it gets `ResponseTooLargeError` naming the limit,
as soon as the limit is passed. Reads that end no line are kept as a list and joined once
the line ends, so a long line costs time linear in its length.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .errors import ResponseTooLargeError

__all__ = ["DEFAULT_MAX_EVENT_BYTES", "SSEDecoder", "ServerSentEvent", "iter_sse"]

DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024


class ServerSentEvent(NamedTuple):
    # A NamedTuple: immutable like a frozen dataclass, and made several times faster,
    # which counts once per stream chunk.
    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    __slots__ = (
        "_data",
        "_data_size",
        "_event",
        "_id",
        "_limit",
        "_parts",
        "_parts_size",
        "_pending",
        "_retry",
    )

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self._limit = max_event_bytes
        self._pending = b""
        # Reads that ended no line yet (joined when one does), and their total size.
        self._parts: list[bytes] = []
        self._parts_size = 0
        self._data: list[str] = []
        self._data_size = 0
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None

    def _too_large(self, what: str, size: int) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"A stream {what} passed {self._limit} bytes ({size} read) without ending; "
            "raise max_event_bytes if the server really sends events this large.",
            limit=self._limit,
        )

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one read; returns the events it completed (often none or one)."""
        if b"\n" not in chunk and b"\r" not in chunk and not self._pending.endswith(b"\r"):
            # No line ends here: keep the read, join later (linear in the line's length).
            if chunk:
                self._parts.append(chunk)
                self._parts_size += len(chunk)
                if self._parts_size + len(self._pending) > self._limit:
                    raise self._too_large("line", self._parts_size + len(self._pending))
            return []
        if self._parts:
            buf = b"".join([self._pending, *self._parts, chunk])
            self._parts.clear()
            self._parts_size = 0
        else:
            buf = self._pending + chunk if self._pending else chunk
        lines = buf.splitlines(keepends=True)
        last = lines[-1]
        # An unterminated tail, or a lone CR that may be the first half of CRLF, waits.
        if last[-1:] == b"\r" or last[-1:] != b"\n":
            self._pending = last
            lines.pop()
        else:
            self._pending = b""
        if len(self._pending) > self._limit:
            raise self._too_large("line", len(self._pending))
        events: list[ServerSentEvent] = []
        data = self._data
        for raw in lines:
            # Fast path for the two lines nearly every event is made of: `data: ...`
            # and the blank line that ends it. Everything else goes through _line.
            if raw[:5] == b"data:":
                value = raw[5:].rstrip(b"\r\n")
                if value[:1] == b" ":
                    value = value[1:]
                self._data_size += len(value)
                if self._data_size > self._limit:
                    raise self._too_large("event", self._data_size)
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
        if self._parts:
            self._pending = b"".join([self._pending, *self._parts])
            self._parts.clear()
            self._parts_size = 0
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
            self._data_size = 0
            self._event = ""
            return event
        if line[0] == ":":
            return None
        name, sep, value = line.partition(":")
        if sep and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data_size += len(value)
            if self._data_size > self._limit:
                raise self._too_large("event", self._data_size)
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
