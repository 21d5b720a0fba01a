"""Reasoning text kept and sent back when asked; extra request fields merged last."""

from __future__ import annotations

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from llama_index.core.base.llms.types import ChatMessage, TextBlock, ThinkingBlock

from langchain_solar import ChatSolar
from llama_index_solar import Solar
from tests.helpers import SECRET, Scripted, chat_json, chunk, sse_response


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
def test_langchain_keeps_reasoning_as_a_content_block(key: str) -> None:
    server = Scripted(
        httpx.Response(
            200,
            json=chat_json("42")
            | {
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "42", key: "6 times 7"},
                        "finish_reason": "stop",
                    }
                ]
            },
        )
    )
    reply = ChatSolar(api_key=SECRET, http_client=server.sync_client()).invoke("x")
    assert reply.additional_kwargs["reasoning_content"] == "6 times 7"
    assert {"type": "reasoning", "reasoning": "6 times 7"} in [
        {k: b[k] for k in ("type", "reasoning") if k in b} for b in reply.content_blocks
    ]


def test_langchain_streamed_reasoning_is_joined() -> None:
    def think(text: str) -> dict:
        out = chunk(None)
        out["choices"][0]["delta"]["reasoning_content"] = text
        return out

    server = Scripted(
        sse_response(think("6 times "), think("7"), chunk("42", finish_reason="stop"))
    )
    chunks = list(ChatSolar(api_key=SECRET, http_client=server.sync_client()).stream("x"))
    full = sum(chunks[1:], chunks[0])
    assert full.additional_kwargs["reasoning_content"] == "6 times 7" and full.content == "42"


def test_reasoning_sent_back_only_when_asked() -> None:
    history = [
        HumanMessage("x"),
        AIMessage(
            "",
            tool_calls=[{"name": "f", "args": {}, "id": "c1"}],
            additional_kwargs={"reasoning_content": "plan"},
        ),
        ToolMessage("done", tool_call_id="c1"),
    ]
    server = Scripted()
    ChatSolar(api_key=SECRET, http_client=server.sync_client()).invoke(history)
    assert "reasoning_content" not in server.body["messages"][1]
    ChatSolar(api_key=SECRET, http_client=server.sync_client(), send_reasoning=True).invoke(history)
    assert server.body["messages"][1]["reasoning_content"] == "plan"


def test_llama_index_thinking_blocks_round_trip() -> None:
    server = Scripted(
        httpx.Response(
            200,
            json={
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "42", "reasoning": "think"},
                        "finish_reason": "stop",
                    }
                ]
            },
        )
    )
    llm = Solar(api_key=SECRET, http_client=server.sync_client(), send_reasoning=True)
    reply = llm.chat([ChatMessage(role="user", content="x")])
    assert (
        isinstance(reply.message.blocks[0], ThinkingBlock)
        and reply.message.blocks[0].content == "think"
    )
    server.replies = [httpx.Response(200, json=chat_json("ok"))]
    llm.chat(
        [
            ChatMessage(role="user", content="x"),
            ChatMessage(
                role="assistant", blocks=[ThinkingBlock(content="think"), TextBlock(text="42")]
            ),
            ChatMessage(role="user", content="y"),
        ]
    )
    assert server.body["messages"][1] == {
        "role": "assistant",
        "content": "42",
        "reasoning_content": "think",
    }


def test_extra_body_is_merged_last_and_clashes_are_errors() -> None:
    server = Scripted()
    ChatSolar(
        api_key=SECRET,
        http_client=server.sync_client(),
        extra_body={"min_p": 0.05, "repetition_penalty": 1.1},
    ).invoke("x")
    assert server.body["min_p"] == 0.05 and server.body["repetition_penalty"] == 1.1
    with pytest.raises(ValueError, match=r"extra_body: \['top_k'\]"):
        ChatSolar(api_key=SECRET, extra_body={"top_k": 40})  # a parameter since issue 13
    with pytest.raises(ValueError, match=r"extra_body: \['temperature'\]"):
        ChatSolar(api_key=SECRET, extra_body={"temperature": 1})
    with pytest.raises(ValueError, match=r"extra_body: \['min_p'\]"):
        ChatSolar(api_key=SECRET, model_kwargs={"min_p": 0.1}, extra_body={"min_p": 0.2})
    with pytest.raises(ValueError, match="model_kwargs"):
        ChatSolar(api_key=SECRET, model_kwargs={"messages": []})
