"""A loopback OpenAI-compatible server cheap enough that the client is the bottleneck.

asyncio protocol, keep-alive, pipelining-safe, every reply pre-encoded. What it answers:

- ``POST .../chat/completions``: a fixed completion; with ``"stream": true`` an SSE stream
  of ``max_tokens`` content chunks (so every client can ask for a length with a standard
  parameter); with ``tools`` and no tool result yet, a call to the first tool.
- model ``bench-503`` / ``bench-401``: that status with an OpenAI-style error body.
- ``GET /stats``: requests served, connections accepted and this process's CPU seconds;
  ``POST /stats`` resets them.

Run: ``python -m bench.server`` prints the port, then serves until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from functools import lru_cache
from typing import Any

CONTENT = "Solar Mini is a compact large language model from Upstage."
TOOL_ARGS = json.dumps({"city": "Seoul"})


def _http(status: int, body: bytes, ctype: bytes = b"application/json") -> bytes:
    return (
        b"HTTP/1.1 %d X\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n"
        % (status, ctype, len(body))
        + body
    )


def _completion(message: dict[str, Any], finish: str) -> bytes:
    return _http(
        200,
        json.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": 1700000000,
                "model": "solar-mini",
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 12, "completion_tokens": 11, "total_tokens": 23},
            }
        ).encode(),
    )


CHAT = _completion({"role": "assistant", "content": CONTENT}, "stop")
TOOL_CALL = _completion(
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": TOOL_ARGS},
            }
        ],
    },
    "tool_calls",
)
ERRORS = {
    "bench-503": _http(503, b'{"error": {"message": "overloaded", "type": "server_error"}}'),
    "bench-401": _http(401, b'{"error": {"message": "bad key", "type": "invalid_api_key"}}'),
}


def _event(delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> bytes:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "solar-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if delta else [],
    }
    if usage:
        chunk["usage"] = usage
    data = b"data: " + json.dumps(chunk).encode() + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(data), data)


@lru_cache(maxsize=64)
def _stream(chunks: int, usage: bool) -> bytes:
    # One HTTP chunk per event, as a real server flushes them.
    parts = [
        b"HTTP/1.1 200 X\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
        _event({"role": "assistant", "content": ""}),
    ]
    parts += [_event({"content": "tok "})] * chunks
    parts.append(_event({"content": ""}, "stop"))
    if usage:
        total = {"prompt_tokens": 12, "completion_tokens": chunks, "total_tokens": 12 + chunks}
        parts.append(_event({}, usage=total))
    done = b"data: [DONE]\n\n"
    parts.append(b"%x\r\n%s\r\n" % (len(done), done))
    return b"".join(parts) + END_OF_BODY


class Stats:
    requests = 0
    connections = 0
    cpu_at_reset = time.process_time()


END_OF_BODY = b"0\r\n\r\n"
# A model that makes the server write the end of a stream's body 20 ms after [DONE], as
# a separate write, the way servers that flush each event often do.
SLOW_END = "bench-slow-end"


def _reply(method: bytes, path: bytes, body: bytes) -> bytes:
    if path.endswith(b"/stats"):
        if method == b"POST":
            Stats.requests, Stats.connections = 0, 0
            Stats.cpu_at_reset = time.process_time()
        stats = {
            "requests": Stats.requests,
            "connections": Stats.connections,
            "cpu": time.process_time() - Stats.cpu_at_reset,
        }
        return _http(200, json.dumps(stats).encode())
    Stats.requests += 1
    if not path.endswith(b"/chat/completions"):
        return _http(404, b'{"error": {"message": "not found"}}')
    request = json.loads(body)
    error = ERRORS.get(request.get("model", ""))
    if error is not None:
        return error
    if request.get("stream"):
        usage = bool((request.get("stream_options") or {}).get("include_usage"))
        # langchain-openai 1.x spells the limit max_completion_tokens.
        limit = request.get("max_tokens") or request.get("max_completion_tokens") or 16
        return _stream(int(limit), usage)
    messages = request.get("messages") or [{}]
    if request.get("tools") and messages[-1].get("role") != "tool":
        return TOOL_CALL
    return CHAT


class Protocol(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = b""
        self.served = 0
        Stats.connections += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path, _ = head.split(b" ", 2)
            if path.endswith(b"/stats") and not self.served:
                Stats.connections -= 1  # a connection made only to ask for stats
            self.served += 1
            reply = _reply(method, path, body)
            if SLOW_END.encode() in body and reply.endswith(END_OF_BODY):
                self.transport.write(reply[: -len(END_OF_BODY)])
                loop = asyncio.get_running_loop()
                loop.call_later(0.02, self.transport.write, END_OF_BODY)
                continue
            self.transport.write(reply)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Protocol, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    # Serve until the parent closes our stdin (it never outlives the runner).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


def main() -> None:
    if len(sys.argv) > 1:
        os.sched_setaffinity(0, {int(sys.argv[1])})
    asyncio.run(_serve())


if __name__ == "__main__":
    main()
