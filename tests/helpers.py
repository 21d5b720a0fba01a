"""Test helpers: a scripted OpenAI-compatible server on httpx.MockTransport, seed fixtures."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]

# Keys that must never show up anywhere but the Authorization header.
SECRET = "sk-SECRET-7f3a9c1e-do-not-leak"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def run_python(code: str, *args: str) -> str:
    """Run `code` (dedented) in a fresh interpreter on this checkout; its stdout, stripped.
    For what only a new process shows: import order, first use, pickles loaded anew."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in the given reads, optionally failing after them."""

    def __init__(self, parts: list[bytes], error: Exception | None = None):
        self.parts = parts
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        yield from self.parts
        if self.error is not None:
            raise self.error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part
        if self.error is not None:
            raise self.error


def sse_body(*events: dict[str, Any] | str, done: bool = True) -> bytes:
    lines = []
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event)
        lines.append(f"data: {data}\n\n")
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def sse_response(
    *events: dict[str, Any] | str,
    done: bool = True,
    split: int | None = None,
    error: Exception | None = None,
) -> httpx.Response:
    body = sse_body(*events, done=done)
    parts = [body[i : i + split] for i in range(0, len(body), split)] if split else [body]
    return httpx.Response(
        200, headers={"content-type": "text/event-stream"}, stream=Chunks(parts, error)
    )


def chat_json(
    content: str | None = "Hello!",
    *,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str = "stop",
    usage: tuple[int, int] = (10, 5),
    model: str = "solar-1-mini-chat",
    **extra: Any,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1710337925,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        },
        "system_fingerprint": None,
        **extra,
    }


def chunk(
    content: str | None = None,
    *,
    finish_reason: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    role: str | None = None,
    usage: tuple[int, int] | None = None,
    choices: bool = True,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "solar-1-mini-chat",
        "choices": [],
    }
    if choices:
        delta: dict[str, Any] = {}
        if role:
            delta["role"] = role
        if content is not None:
            delta["content"] = content
        if tool_calls is not None:
            delta["tool_calls"] = tool_calls
        out["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
    if usage is not None:
        out["usage"] = {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        }
    return out


def tool_call_delta(call_id: str, name: str, arguments: str, index: int = 0) -> dict[str, Any]:
    """One streamed tool-call delta with its id and name (as llama.cpp sends every one)."""
    return {
        "index": index,
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def error_response(status: int, message: str = "boom", **headers: str) -> httpx.Response:
    body = {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    }
    return httpx.Response(status, json=body, headers=headers)


class Scripted:
    """Replies in order (the last one repeats) and records every request it sees."""

    def __init__(self, *replies: Reply):
        self.replies: list[Reply] = list(replies) or [httpx.Response(200, json=chat_json())]
        self.requests: list[httpx.Request] = []

    def _next(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        return reply

    def handler(self, request: httpx.Request) -> httpx.Response:
        return self._next(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def sync_client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport)

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport)

    @property
    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]

    @property
    def body(self) -> Any:
        return self.bodies[-1]

    @property
    def count(self) -> int:
        return len(self.requests)


class ChatHandler(BaseHTTPRequestHandler):
    """Answers every POST with a chat completion naming the server's `kind`."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        body = json.dumps(chat_json(f"served over {self.server.kind}")).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve_http(
    handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None = None, **attrs: object
) -> Iterator[ThreadingHTTPServer]:
    """A threaded HTTP(S) server on 127.0.0.1, stopped when the generator closes."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    for key, value in attrs.items():
        setattr(server, key, value)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
