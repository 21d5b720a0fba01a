"""LiteLLM's proxy as seen by the clients: its error bodies as typed errors carrying the
upstream message, and its headers (request id, x-litellm-*) in the frameworks' metadata.

The bodies and headers are the proxy's own (litellm 1.108, captured from the test peer).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk
from llama_index.core.base.llms.types import ChatMessage

from langchain_solar import ChatSolar
from llama_index_solar import Solar
from solar_api import (
    BadRequestError,
    ContextLengthExceededError,
    InternalServerError,
    SolarClient,
)
from solar_api.response_info import response_info
from tests.helpers import SECRET, Scripted, chat_json, chunk, fixture_json, sse_body

BODIES = fixture_json("peers/error_bodies.json")
URL = "http://127.0.0.1:4000/v1"
HEADERS = {
    "x-litellm-call-id": "4c702aaf-a983-4df0-97e3-9f75ce092453",
    "x-litellm-model-id": "2465eca04ca5",
    "x-litellm-model-name": "openai/solar-1-mini-chat",
    "x-litellm-model-group": "solar-1-mini-chat",
    "x-litellm-version": "1.108.7",
    "x-litellm-response-cost": "0.00012",
    "x-litellm-response-duration-ms": "222.6",
    "x-litellm-attempted-retries": "0",
    "llm_provider-x-request-id": "7ccc2148",
    "request-id": "7ccc2148",
}
EXPECTED = {
    "request_id": "7ccc2148",
    "litellm": {
        "call_id": "4c702aaf-a983-4df0-97e3-9f75ce092453",
        "model_id": "2465eca04ca5",
        "model_name": "openai/solar-1-mini-chat",
        "model_group": "solar-1-mini-chat",
        "version": "1.108.7",
        "response_cost": 0.00012,
        "response_duration_ms": 222.6,
        "attempted_retries": 0.0,
    },
}


def replies() -> Scripted:
    def reply(request: httpx.Request) -> httpx.Response:
        if b'"stream":true' in request.content:
            body = sse_body(chunk("Hi", role="assistant"), chunk(finish_reason="stop"))
            headers = {**HEADERS, "content-type": "text/event-stream"}
            return httpx.Response(200, headers=headers, content=body)
        return httpx.Response(200, headers=HEADERS, json=chat_json("Hi"))

    return Scripted(reply)


def test_response_info_reads_request_id_and_litellm_headers() -> None:
    assert response_info(httpx.Headers(HEADERS)) == EXPECTED
    assert response_info(httpx.Headers({"x-request-id": "a"})) == {"request_id": "a"}
    assert response_info(httpx.Headers({"content-type": "application/json"})) == {}


def test_the_client_keeps_them_on_the_completion() -> None:
    server = replies()
    c = SolarClient(base_url=URL, api_key=SECRET, http_client=server.sync_client())
    assert c.chat(model="m", messages=[{"role": "user", "content": "x"}]).response_info == EXPECTED


def chat(server: Scripted) -> ChatSolar:
    return ChatSolar(
        base_url=URL,
        api_key=SECRET,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
    )


async def test_langchain_response_metadata_carries_them() -> None:
    server = replies()
    meta = chat(server).invoke("x").response_metadata
    assert meta["request_id"] == "7ccc2148" and meta["litellm"] == EXPECTED["litellm"]
    ameta = (await chat(server).ainvoke("x")).response_metadata
    assert ameta["litellm"]["response_cost"] == 0.00012
    total: AIMessageChunk | None = None
    for part in chat(server).stream("x"):
        total = part if total is None else total + part  # type: ignore[assignment]
    assert total is not None and total.response_metadata["litellm"] == EXPECTED["litellm"]
    async for part in chat(server).astream("x"):
        last = part
    assert last.response_metadata["request_id"] == "7ccc2148"


async def test_llama_index_additional_kwargs_carry_them() -> None:
    server = replies()
    llm = Solar(
        base_url=URL,
        api_key=SECRET,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
    )
    messages = [ChatMessage(role="user", content="x")]
    assert llm.chat(messages).additional_kwargs["litellm"] == EXPECTED["litellm"]
    assert (await llm.achat(messages)).additional_kwargs["request_id"] == "7ccc2148"
    streamed = list(llm.stream_chat(messages))
    assert streamed[-1].additional_kwargs["litellm"]["model_group"] == "solar-1-mini-chat"
    async_streamed = [r async for r in await llm.astream_chat(messages)]
    assert async_streamed[-1].additional_kwargs["request_id"] == "7ccc2148"


@pytest.mark.parametrize(
    ("name", "status", "error", "upstream"),
    [
        (
            "litellm_400_unknown_model",
            400,
            BadRequestError,
            "Invalid model name passed in model=nope",
        ),
        (
            "litellm_400_context_window",
            400,
            ContextLengthExceededError,
            "This model's maximum context length is 4096 tokens",
        ),
        ("litellm_400_no_db", 400, BadRequestError, "No connected db."),
        ("litellm_500_content_null", 500, InternalServerError, "OpenAIException - 'content'"),
    ],
)
def test_litellm_error_bodies_are_typed_errors_with_the_upstream_message(
    name: str, status: int, error: type[Exception], upstream: str
) -> None:
    body: dict[str, Any] = BODIES[name]
    server = Scripted(httpx.Response(status, json=body, headers={"request-id": "r-9"}))
    c = SolarClient(base_url=URL, api_key=SECRET, http_client=server.sync_client(), max_retries=0)
    # A plain user turn: nothing in it for the 500 to name, so it is raised as it is.
    with pytest.raises(error) as caught:
        c.chat(model="m", messages=[{"role": "user", "content": "x"}])
    assert type(caught.value) is error
    assert upstream in caught.value.message  # type: ignore[attr-defined]
    assert caught.value.request_id == "r-9"  # type: ignore[attr-defined]
    assert caught.value.type == body["error"]["type"]  # type: ignore[attr-defined]
