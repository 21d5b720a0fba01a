"""A rule-based fake of today's Upstage API: its answers depend on what was sent.

Built from Upstage's console docs as read on 2026-12-06 and third-party checks of the
live API (junghan0611/agent-config#17, 2026-07-30; can1357/oh-my-pi#7868, 2026-08-07):

- chat (``/v1/chat/completions``, also the seeds' ``/v1/solar/...``) serves the current
  roster only; any other model is a 404 (Upstage publishes no wording for it, so the
  text here is OpenAI's style, "does not exist or is no longer supported");
- ``store`` is refused as "Unrecognized request arguments supplied: store", a
  ``developer`` role as "must be one of ['system','assistant','user','tool']" and
  ``tools[].function.strict: true`` as "The value 'true' isn't supported yet" (the live
  texts); a ``reasoning_effort`` the model does not take is a 400;
- reasoning models answer with ``message.reasoning`` and count reasoning tokens in
  ``usage.completion_tokens_details`` when reasoning is on (low to max);
- embeddings take at most 100 non-empty inputs per request, under 204,800 tokens in all,
  each within the model's window (8K for Embedding 2, 4,000 for Embedding 1).

Tokens are counted as a real tokenizer of English text does, about 4 characters each
(the package's own estimate counts 3.2 per token, so it overcounts against this fake,
as it does against real tokenizers). Nothing is queued in advance.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.helpers import sse_body

KEY = "up-test-key"

_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
# The live roster: reasoning_effort values per model (Upstage's reasoning table).
CHAT_MODELS: dict[str, tuple[str, ...]] = {
    "solar-pro4": _EFFORTS,
    "solar-mini4": _EFFORTS,
    "solar-pro3": ("low", "medium", "high"),
    "solar-mini": (),
    "syn-pro": (),
}
EMBEDDING_WINDOWS = {
    "solar-embedding-2-query": 8192,
    "solar-embedding-2-passage": 8192,
    # Embedding 1 is served until 2026-12-31.
    "solar-embedding-1-large-query": 4000,
    "solar-embedding-1-large-passage": 4000,
    "embedding-query": 4000,
    "embedding-passage": 4000,
}
_CHAT_FIELDS = {
    "model",
    "messages",
    "stream",
    "stream_options",
    "temperature",
    "top_p",
    "max_tokens",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "stop",
    "n",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "reasoning_effort",
    "logprobs",
    "top_logprobs",
    "user",
    "prompt_cache_key",
}
_ROLES = ("system", "assistant", "user", "tool")


def tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _error(status: int, message: str, code: str | None = None) -> httpx.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return httpx.Response(status, json=body)


@dataclass
class UpstageFake:
    """``handler`` for an `httpx.MockTransport`; ``requests`` is what reached it.

    ``refuse_strict_schema`` makes it refuse a strict JSON schema too (the docs do not
    say whether the live API does), for the tests of learning it.
    """

    refuse_strict_schema: bool = False
    requests: list[httpx.Request] = field(default_factory=list)

    # -- what tests read ----------------------------------------------------------
    @property
    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]

    @property
    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def sync_client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))

    # -- the API ----------------------------------------------------------------
    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return httpx.Response(401, json={"error": {"message": "Invalid API key"}})
        path = request.url.path.removeprefix("/v1").removeprefix("/solar")
        if request.method == "GET" and path == "/models":
            ids = [*CHAT_MODELS, *EMBEDDING_WINDOWS]
            return httpx.Response(200, json={"object": "list", "data": [{"id": i} for i in ids]})
        body = json.loads(request.content)
        if path == "/chat/completions":
            return self._chat(body)
        if path == "/embeddings":
            return self._embeddings(body)
        return _error(404, f"Not found: {request.url.path}")

    def _chat(self, body: dict[str, Any]) -> httpx.Response:
        model = body.get("model")
        if model not in CHAT_MODELS:
            return _error(
                404,
                f"The model '{model}' does not exist or is no longer supported.",
                "model_not_found",
            )
        unknown = sorted(set(body) - _CHAT_FIELDS)
        if unknown:
            return _error(400, f"Unrecognized request arguments supplied: {', '.join(unknown)}")
        for i, message in enumerate(body["messages"]):
            if message.get("role") not in _ROLES:
                return _error(
                    400,
                    f"messages.{i}.role: must be one of ['system','assistant','user','tool']",
                )
        for tool in body.get("tools") or ():
            if (tool.get("function") or {}).get("strict") is True:
                return _error(400, "The value 'true' isn't supported yet")
        schema = (body.get("response_format") or {}).get("json_schema") or {}
        if self.refuse_strict_schema and schema.get("strict") is True:
            return _error(400, "The value 'true' isn't supported yet")
        effort = body.get("reasoning_effort")
        takes = CHAT_MODELS[model]
        if effort is not None and effort not in takes:
            allowed = ", ".join(takes) or "none (this model does not reason)"
            return _error(400, f"Invalid reasoning_effort '{effort}' for {model}: {allowed}")
        reasoning = effort in ("low", "medium", "high", "xhigh", "max")
        # JSON where JSON was asked for: an object with each property of the schema.
        text = json.dumps(_example(schema.get("schema") or {})) if schema else "ok"
        prompt = sum(tokens(str(m.get("content") or "")) for m in body["messages"])
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": 1 + (7 if reasoning else 0),
            "total_tokens": prompt + 1 + (7 if reasoning else 0),
        }
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if reasoning:
            message["reasoning"] = "Thinking it through."
            usage["completion_tokens_details"] = {"reasoning_tokens": 7}
        if body.get("stream"):
            events: list[dict[str, Any]] = []
            if reasoning:
                events.append(_chunk(model, {"reasoning": message["reasoning"]}))
            events.append(_chunk(model, {"role": "assistant", "content": text}, "stop"))
            if (body.get("stream_options") or {}).get("include_usage"):
                events.append({**_chunk(model, None), "choices": [], "usage": usage})
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=sse_body(*events)
            )
        return httpx.Response(
            200,
            json={
                "id": "chatcmpl-up",
                "object": "chat.completion",
                "created": 1,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": usage,
            },
        )

    def _embeddings(self, body: dict[str, Any]) -> httpx.Response:
        model = body.get("model")
        window = EMBEDDING_WINDOWS.get(str(model))
        if window is None:
            return _error(
                404,
                f"The model '{model}' does not exist or is no longer supported.",
                "model_not_found",
            )
        inputs = body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else inputs
        if len(inputs) > 100:
            return _error(400, f"input: at most 100 strings per request, got {len(inputs)}")
        counts = [tokens(text) for text in inputs]
        for i, (text, n) in enumerate(zip(inputs, counts, strict=True)):
            if not text:
                return _error(400, f"input[{i}]: must not be an empty string")
            if n > window:
                return _error(400, f"input[{i}]: {n} tokens, over the model's limit of {window}")
        if sum(counts) >= 204_800:
            return _error(400, f"input: {sum(counts)} tokens in all; must be under 204800")
        size = 1024 if "embedding-2" in str(model) else 4096
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t))] + [0.0] * (size - 1)}
            for i, t in enumerate(inputs)
        ]
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": sum(counts), "total_tokens": sum(counts)},
            },
        )


_EXAMPLES = {"string": "ok", "integer": 1, "number": 1.0, "boolean": True}


def _example(schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties") or {}
    return {name: _EXAMPLES.get(str(p.get("type"))) for name, p in props.items()}


def _chunk(model: str, delta: dict[str, Any] | None, finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-up",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
    }
