"""A fault-injecting OpenAI-compatible server on 127.0.0.1 for reliability tests.

Each request takes the next scripted reply (the last one repeats). A reply writes raw
bytes to the socket, so it can do what a real network does: reset the connection, cut
a stream halfway, stall past a timeout, or answer like a misconfigured gateway.
"""

from __future__ import annotations

import json
import select
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

Reply = Callable[[socket.socket], None]

__all__ = [
    "FaultServer",
    "by_number",
    "close_without_reply",
    "early_reply",
    "fault_server",
    "http_reply",
    "interim",
    "keep_alive_edge",
    "never_reads",
    "reset",
    "short_body",
    "sse_reply",
    "stall",
]


def _head(status: int, headers: dict[str, str], reason: str = "X") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def http_reply(status: int, body: bytes | str | dict[str, Any] = b"", **headers: str) -> Reply:
    if isinstance(body, dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    ctype = headers.pop("content_type", "application/json")
    reason = headers.pop("reason", "X")  # the status line's reason phrase
    head = {"content-type": ctype, "content-length": str(len(data)), "connection": "close"}
    head.update({k.replace("_", "-"): v for k, v in headers.items()})

    def send(sock: socket.socket) -> None:
        sock.sendall(_head(status, head, reason) + data)

    return send


def sse_reply(
    events: list[dict[str, Any] | str],
    *,
    done: bool = True,
    cut: bool = False,
    pause: float = 0.0,
    cut_after_done: bool = False,
    connection: str = "close",
    headers: dict[str, str] | None = None,
) -> Reply:
    """An SSE stream; ``cut`` drops the connection after the events (no terminator);
    ``cut_after_done`` drops it after ``[DONE]``, before the body's last chunk."""

    def send(sock: socket.socket) -> None:
        head = {
            "content-type": "text/event-stream",
            "transfer-encoding": "chunked",
            "connection": connection,
            **(headers or {}),
        }
        sock.sendall(_head(200, head))
        for event in events:
            data = event if isinstance(event, str) else json.dumps(event)
            payload = f"data: {data}\n\n".encode()
            sock.sendall(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            if pause:
                time.sleep(pause)
        if cut:
            _rst(sock)
            return
        if done:
            payload = b"data: [DONE]\n\n"
            sock.sendall(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        if cut_after_done:
            time.sleep(0.05)  # the client has read [DONE] by now
            _rst(sock)
            return
        sock.sendall(b"0\r\n\r\n")

    return send


def _rst(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def reset() -> Reply:
    """Reset the connection before any response byte."""
    return _rst


def close_without_reply() -> Reply:
    return lambda sock: sock.close()


def interim(then: Reply, status: int = 103) -> Reply:
    """An interim 1xx response (103 Early Hints, 102 Processing) before `then`."""

    def send(sock: socket.socket) -> None:
        sock.sendall(f"HTTP/1.1 {status} Interim\r\nlink: </a.css>; rel=preload\r\n\r\n".encode())
        then(sock)

    return send


def short_body(status: int, body: dict[str, Any], keep: int) -> Reply:
    """A body cut after `keep` bytes, shorter than its Content-Length, then a close."""
    data = json.dumps(body).encode()
    return http_reply(status, data[:keep], content_length=str(len(data)))


def early_reply(reply: Reply) -> Reply:
    """`reply` sent as soon as the request head arrives, the body left unread (a
    gateway refusing an upload), then the connection closed."""
    reply.reads_body = False  # type: ignore[attr-defined]
    return reply


def never_reads(seconds: float) -> Reply:
    """Read the request head, never the body, and say nothing for `seconds`."""
    return early_reply(stall(seconds))


def keep_alive_edge(reply: Reply) -> Reply:
    """`reply` (which must promise keep-alive), then a reset as soon as the next request
    arrives on the connection, unread: the server's idle timeout closing the connection
    just as the client reuses it."""

    def send(sock: socket.socket) -> None:
        reply(sock)
        select.select([sock], [], [], 10)
        _rst(sock)

    return send


def by_number(choose: Callable[[int], Reply]) -> Any:
    """A reply chosen by the request's number (1-based), for scripted mixes under load."""
    choose.by_number = True  # type: ignore[attr-defined]
    return choose


def stall(seconds: float, then: Reply | None = None) -> Reply:
    """Say nothing for `seconds` (a read timeout shorter than that fires), then `then`."""

    def send(sock: socket.socket) -> None:
        time.sleep(seconds)
        if then is not None:
            then(sock)

    return send


class FaultServer:
    """``receive_buffer`` shrinks the server's TCP receive window, so an upload the
    server does not read fills it (and the client's send buffer) and stalls."""

    def __init__(self, *replies: Reply, receive_buffer: int | None = None) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            # socketserver's default backlog of 5 drops connections under load.
            request_queue_size = 512
            allow_reuse_address = True
            # A stalled reply must not hold up stop(); its thread is a daemon.
            block_on_close = False

        self._server = Server(("127.0.0.1", 0), Handler, bind_and_activate=False)
        if receive_buffer is not None:
            # Set before listen(), so accepted sockets inherit it (and no autotuning).
            self._server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self._server.server_bind()
        self._server.server_activate()
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def _serve(self, sock: socket.socket) -> None:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            self._answer(sock)
        finally:
            with self._lock:
                self.active -= 1

    def _answer(self, sock: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        record: dict[str, Any] = {"line": lines[0], "headers": headers, "body": b""}
        with self._lock:
            self.requests.append(record)
            reply: Any = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
            number = len(self.requests)
        if getattr(reply, "by_number", False):
            reply = reply(number)
        if getattr(reply, "reads_body", True):
            if headers.get("transfer-encoding", "").lower() == "chunked":
                record["body"] = _read_chunked(sock, body)
            else:
                length = int(headers.get("content-length", 0))
                while len(body) < length:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    body += chunk
                record["body"] = body
        with suppress(OSError):  # the client may hang up first; that is its business
            reply(sock)

    @property
    def count(self) -> int:
        """Requests whose head arrived (a request reset unread is not counted)."""
        return len(self.requests)

    def start(self) -> FaultServer:
        # A short poll interval: stop() waits for the loop to notice, once per test.
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _read_chunked(sock: socket.socket, data: bytes) -> bytes:
    """A chunked request body; a malformed one raises ValueError (seen as no reply)."""
    body = b""
    while True:
        while b"\r\n" not in data:
            data += sock.recv(65536)
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        while len(data) < size + 2:
            data += sock.recv(65536)
        if size == 0:
            return body
        if data[size : size + 2] != b"\r\n":
            raise ValueError("a chunk does not end with CRLF")
        body, data = body + data[:size], data[size + 2 :]


@contextmanager
def fault_server(*replies: Reply, receive_buffer: int | None = None) -> Iterator[FaultServer]:
    server = FaultServer(*replies, receive_buffer=receive_buffer).start()
    try:
        yield server
    finally:
        server.stop()
