"""A fault-injecting OpenAI-compatible server on 127.0.0.1 for reliability tests.

Each request takes the next scripted reply (the last one repeats). A reply writes raw
bytes to the socket, so it can do what a real network does: reset the connection, cut
a stream halfway, stall past a timeout, or answer like a misconfigured gateway.
"""

from __future__ import annotations

import json
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
    "fault_server",
    "http_reply",
    "reset",
    "sse_reply",
    "stall",
]


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def http_reply(status: int, body: bytes | str | dict[str, Any] = b"", **headers: str) -> Reply:
    if isinstance(body, dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    ctype = headers.pop("content_type", "application/json")
    head = {"content-type": ctype, "content-length": str(len(data)), "connection": "close"}
    head.update({k.replace("_", "-"): v for k, v in headers.items()})

    def send(sock: socket.socket) -> None:
        sock.sendall(_head(status, head) + data)

    return send


def sse_reply(
    events: list[dict[str, Any] | str],
    *,
    done: bool = True,
    cut: bool = False,
    pause: float = 0.0,
    cut_after_done: bool = False,
) -> Reply:
    """An SSE stream; ``cut`` drops the connection after the events (no terminator);
    ``cut_after_done`` drops it after ``[DONE]``, before the body's last chunk."""

    def send(sock: socket.socket) -> None:
        head = {
            "content-type": "text/event-stream",
            "transfer-encoding": "chunked",
            "connection": "close",
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
    def __init__(self, *replies: Reply) -> None:
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

        self._server = Server(("127.0.0.1", 0), Handler)
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
        length = int(headers.get("content-length", 0))
        while len(body) < length:
            body += sock.recv(65536)
        with self._lock:
            self.requests.append({"line": lines[0], "headers": headers, "body": body})
            reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
            number = len(self.requests)
        if getattr(reply, "by_number", False):
            reply = reply(number)
        with suppress(OSError):  # the client may hang up first; that is its business
            reply(sock)

    @property
    def count(self) -> int:
        return len(self.requests)

    def start(self) -> FaultServer:
        # A short poll interval: stop() waits for the loop to notice, once per test.
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def fault_server(*replies: Reply) -> Iterator[FaultServer]:
    server = FaultServer(*replies).start()
    try:
        yield server
    finally:
        server.stop()
