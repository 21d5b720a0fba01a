"""A loopback OpenAI-compatible server that enforces a rate limit, as Upstage's does.

It answers ``POST /v1/embeddings`` (one small vector per input) and
``POST /v1/chat/completions`` (a "summary": the first words of the last message), each
with ``usage``, and 429 with ``Retry-After`` when more than `rps` requests would have
been accepted within the last second (a moving window, so no burst gets through at a
window's edge). ``GET /stats`` gives the counts; the scale-out test and ``bench.scale``
read them.

Run: ``python -m bench.limited_server RPS`` prints the port, then serves until stdin closes.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["LimitedServer"]


class LimitedServer:
    """``with LimitedServer(rps=20) as server:`` serves on 127.0.0.1 until the block ends."""

    def __init__(self, rps: int, *, retry_after: float = 1.0) -> None:
        self.rps = rps
        self.retry_after = retry_after
        self.accepted = 0
        self.refused = 0
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                owner._reply(self, 200, owner.stats())

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not owner._admit():
                    owner._reply(
                        self,
                        429,
                        {"error": {"message": "rate limit exceeded", "type": "rate_limit"}},
                        {"retry-after": f"{owner.retry_after:g}"},
                    )
                    return
                if self.path.endswith("/embeddings"):
                    owner._reply(self, 200, _embeddings(body))
                elif self.path.endswith("/chat/completions"):
                    owner._reply(self, 200, _summary(body))
                else:
                    owner._reply(self, 404, {"error": {"message": f"no route {self.path}"}})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def _admit(self) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.rps:
                self.refused += 1
                return False
            self._recent.append(now)
            self.accepted += 1
            return True

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"accepted": self.accepted, "refused": self.refused}

    @staticmethod
    def _reply(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    def start(self) -> LimitedServer:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LimitedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _embeddings(body: dict[str, Any]) -> dict[str, Any]:
    texts = body.get("input") or []
    texts = texts if isinstance(texts, list) else [texts]
    used = sum(_tokens(str(t)) for t in texts)
    return {
        "object": "list",
        "model": body.get("model", "embedding"),
        "data": [
            {"object": "embedding", "index": i, "embedding": [float(len(str(t))), 1.0, 0.0]}
            for i, t in enumerate(texts)
        ],
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }


def _summary(body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages") or [{}]
    text = str(messages[-1].get("content", ""))
    summary = " ".join(text.split()[:8])
    prompt, completion = _tokens(text), _tokens(summary)
    return {
        "id": "chatcmpl-limited",
        "object": "chat.completion",
        "created": 1700000000,
        "model": body.get("model", "solar-mini"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": summary},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


if __name__ == "__main__":
    server = LimitedServer(int(sys.argv[1]) if len(sys.argv) > 1 else 20).start()
    print(server.port, flush=True)
    sys.stdin.read()
    print(json.dumps(server.stats()), flush=True)
    server.stop()
