"""Issue 25, items 2 and 3: a call's ``extra_body`` / ``model_kwargs`` reach the body at the
top level (as ChatOpenAI's and OpenAILike's do), and multi-block content keeps its block
boundaries, naming any block it cannot send."""

from __future__ import annotations

import warnings
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from llama_index.core.base.llms.types import (
    ChatMessage,
    ImageBlock,
    TextBlock,
    ThinkingBlock,
)

from langchain_solar import ChatSolar, SolarLLM
from llama_index_solar import Solar
from tests.helpers import SECRET, Scripted, chunk, sse_response

# What vLLM and SGLang read at the top level of the body (and ignore under "extra_body").
TEMPLATE = {"chat_template_kwargs": {"enable_thinking": False}}


def chat_solar(server: Scripted, **kw: Any) -> ChatSolar:
    return ChatSolar(
        api_key=SECRET,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


def li_solar(server: Scripted, **kw: Any) -> Solar:
    return Solar(
        api_key=SECRET,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


def completion_json(text: str = "ok") -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1,
        "model": "julep-ai/samantha-1-turbo",
        "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }


def stream_reply() -> httpx.Response:
    return sse_response(chunk("Hi", role="assistant"), chunk(finish_reason="stop"))


def assert_top_level(body: dict[str, Any], fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        assert body[key] == value
    assert "extra_body" not in body and "model_kwargs" not in body


# -- item 2: LangChain ChatSolar ------------------------------------------------------------


def test_invoke_extra_body_is_merged_at_the_top_level() -> None:
    server = Scripted()
    chat_solar(server, extra_body={"min_p": 0.05}).invoke("x", extra_body=TEMPLATE)
    assert_top_level(server.body, {**TEMPLATE, "min_p": 0.05})


def test_bind_extra_body_is_merged_at_the_top_level() -> None:
    server = Scripted()
    chat_solar(server).bind(extra_body={"repetition_penalty": 1.1, **TEMPLATE}).invoke("x")
    assert_top_level(server.body, {"repetition_penalty": 1.1, **TEMPLATE})


def test_stream_extra_body_is_merged_at_the_top_level() -> None:
    server = Scripted(stream_reply())
    text = "".join(str(c.content) for c in chat_solar(server).stream("x", extra_body=TEMPLATE))
    assert text == "Hi"
    assert server.body["stream"] is True
    assert_top_level(server.body, TEMPLATE)


async def test_ainvoke_and_astream_extra_body_is_merged_at_the_top_level() -> None:
    server = Scripted()
    await chat_solar(server).ainvoke("x", extra_body={"top_n_sigma": 1.0})
    assert_top_level(server.body, {"top_n_sigma": 1.0})
    server.replies = [stream_reply()]
    async for _ in chat_solar(server).astream("x", extra_body=TEMPLATE):
        pass
    assert_top_level(server.body, TEMPLATE)


def test_per_call_model_kwargs_is_merged_at_the_top_level() -> None:
    server = Scripted()
    llm = chat_solar(server, model_kwargs={"min_p": 0.05})
    llm.invoke("x", model_kwargs={"min_p": 0.1, "user": "u-1"})
    assert_top_level(server.body, {"min_p": 0.1, "user": "u-1"})  # the call's wins
    llm.bind(model_kwargs={"user": "u-2"}).invoke("x")
    assert_top_level(server.body, {"min_p": 0.05, "user": "u-2"})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"extra_body": {"temperature": 0.1}}, r"extra_body: \['temperature'\].*ChatSolar"),
        ({"extra_body": {"top_k": 5, "messages": []}}, r"extra_body: \['messages', 'top_k'\]"),
        ({"model_kwargs": {"stream": False}}, r"model_kwargs: \['stream'\]"),
        ({"model_kwargs": {"x": 1}, "extra_body": {"x": 2}}, r"extra_body: \['x'\].*model_kwargs"),
        (
            {"response_format": {"type": "json_object"}, "extra_body": {"response_format": {}}},
            r"extra_body: \['response_format'\]",
        ),
    ],
)
def test_a_clash_per_call_is_an_error_before_any_request(
    kwargs: dict[str, Any], match: str
) -> None:
    server = Scripted()
    llm = chat_solar(server)
    with pytest.raises(ValueError, match=match):
        llm.invoke("x", **kwargs)
    with pytest.raises(ValueError, match=match):
        llm.bind(**kwargs).invoke("x")
    assert server.count == 0


def test_a_clash_with_bound_tools_is_an_error() -> None:
    server = Scripted()
    bound = chat_solar(server).bind_tools([{"type": "function", "function": {"name": "f"}}])
    with pytest.raises(ValueError, match=r"extra_body: \['tools'\]"):
        bound.invoke("x", extra_body={"tools": []})
    assert server.count == 0


# -- item 2: LangChain SolarLLM (/completions) ---------------------------------------------


def test_solar_llm_merges_extra_body_and_model_kwargs_per_call() -> None:
    server = Scripted(httpx.Response(200, json=completion_json()))
    llm = SolarLLM(
        provider="julep", api_key=SECRET, http_client=server.sync_client(), extra_body={"a": 1}
    )
    assert llm.invoke("x", extra_body={"min_p": 0.1}, model_kwargs={"user": "u"}) == "ok"
    assert_top_level(server.body, {"a": 1, "min_p": 0.1, "user": "u"})
    llm.bind(extra_body={"min_p": 0.2}).invoke("x")
    assert_top_level(server.body, {"a": 1, "min_p": 0.2})
    with pytest.raises(ValueError, match=r"extra_body: \['prompt'\]"):
        llm.invoke("x", extra_body={"prompt": "other"})
    assert server.count == 2


# -- item 2: LlamaIndex Solar --------------------------------------------------------------

USER = [ChatMessage(role="user", content="x")]


def test_llama_index_chat_extra_body_is_merged_at_the_top_level() -> None:
    server = Scripted()
    llm = li_solar(server)
    llm.chat(USER, extra_body=TEMPLATE)
    assert_top_level(server.body, TEMPLATE)
    llm.chat(USER, model_kwargs={"min_p": 0.1})
    assert_top_level(server.body, {"min_p": 0.1})
    llm.complete("x", extra_body={"min_p": 0.2})
    assert_top_level(server.body, {"min_p": 0.2})
    server.replies = [stream_reply()]
    assert "".join(r.delta or "" for r in llm.stream_chat(USER, extra_body=TEMPLATE)) == "Hi"
    assert_top_level(server.body, TEMPLATE)


async def test_llama_index_async_extra_body_is_merged_at_the_top_level() -> None:
    server = Scripted()
    llm = li_solar(server)
    await llm.achat(USER, extra_body=TEMPLATE)
    assert_top_level(server.body, TEMPLATE)
    server.replies = [stream_reply()]
    async for _ in await llm.astream_chat(USER, extra_body={"min_p": 0.1}):
        pass
    assert_top_level(server.body, {"min_p": 0.1})


def test_llama_index_additional_kwargs_extra_body_is_merged_at_the_top_level() -> None:
    server = Scripted()
    li_solar(server, additional_kwargs={"extra_body": TEMPLATE, "min_p": 0.1}).chat(USER)
    assert_top_level(server.body, {**TEMPLATE, "min_p": 0.1})


def test_llama_index_clashes_are_errors_before_any_request() -> None:
    server = Scripted()
    llm = li_solar(server)
    with pytest.raises(ValueError, match=r"extra_body: \['temperature'\].*Solar"):
        llm.chat(USER, extra_body={"temperature": 0.1})
    with pytest.raises(ValueError, match=r"extra_body: \['tool_choice'\]"):
        llm.chat(USER, tool_choice="auto", extra_body={"tool_choice": "none"})
    with pytest.raises(ValueError, match=r"additional_kwargs\['extra_body'\]: \['top_k'\]"):
        li_solar(server, additional_kwargs={"extra_body": {"top_k": 5}})
    with pytest.raises(ValueError, match=r"\['min_p'\].*additional_kwargs"):
        li_solar(server, additional_kwargs={"extra_body": {"min_p": 1}, "min_p": 2})
    assert server.count == 0


# -- item 3: LangChain message content -----------------------------------------------------


def _sent(messages: list[Any]) -> list[dict[str, Any]]:
    server = Scripted()
    chat_solar(server).invoke(messages)
    return list(server.body["messages"])


CALL = AIMessage(content="", tool_calls=[{"name": "f", "args": {}, "id": "c1"}])


def test_tool_message_text_blocks_keep_their_boundaries() -> None:
    tool = ToolMessage(
        content=[{"type": "text", "text": "result A"}, {"type": "text", "text": "result B"}],
        tool_call_id="c1",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sent = _sent([HumanMessage("q"), CALL, tool])
    assert sent[2] == {"role": "tool", "content": "result A\nresult B", "tool_call_id": "c1"}


def test_ai_message_text_blocks_are_joined_with_a_newline_reasoning_quietly_left_out() -> None:
    ai = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "thinking..."},
            {"type": "text", "text": "Hi"},
            {"type": "text", "text": "there"},
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reasoning is not content: no warning
        sent = _sent([HumanMessage("q"), ai, HumanMessage("and?")])
    assert sent[1] == {"role": "assistant", "content": "Hi\nthere"}


def test_a_non_text_block_in_a_tool_message_is_named_in_a_warning() -> None:
    tool = ToolMessage(
        content=[
            {"type": "text", "text": "a chart"},
            {"type": "image_url", "image_url": {"url": "https://x/chart.png"}},
            {"type": "mystery", "data": 1},
        ],
        tool_call_id="c1",
    )
    with pytest.warns(UserWarning, match=r"messages\[2\] \(ToolMessage\).*'image_url'.*'mystery'"):
        sent = _sent([HumanMessage("q"), CALL, tool])
    assert sent[2]["content"] == "a chart"


def test_an_unknown_block_in_an_ai_message_is_named_in_a_warning() -> None:
    ai = AIMessage(
        content=[{"type": "text", "text": "Hi"}, {"type": "server_tool_call", "id": "s"}]
    )
    with pytest.warns(UserWarning, match=r"messages\[1\] \(AIMessage\).*'server_tool_call'"):
        sent = _sent([HumanMessage("q"), ai, HumanMessage("and?")])
    assert sent[1]["content"] == "Hi"


def test_the_same_blocks_are_joined_for_the_assistant_and_kept_as_parts_for_the_user() -> None:
    parts: list[str | dict[str, Any]] = [
        {"type": "text", "text": "a"},
        {"type": "text", "text": "b"},
    ]
    sent = _sent([HumanMessage(content=parts), AIMessage(content=parts), HumanMessage("c")])
    assert sent[0]["content"] == parts  # the server takes a list of parts from the user
    assert sent[1]["content"] == "a\nb"


# -- item 3: LlamaIndex message blocks -----------------------------------------------------


def _li_sent(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    server = Scripted()
    li_solar(server).chat(messages)
    return list(server.body["messages"])


def test_llama_index_text_blocks_keep_their_boundaries() -> None:
    messages = [
        ChatMessage(role="user", blocks=[TextBlock(text="a"), TextBlock(text="b")]),
        ChatMessage(
            role="assistant",
            blocks=[ThinkingBlock(content="hmm"), TextBlock(text="Hi"), TextBlock(text="there")],
        ),
        ChatMessage(
            role="tool",
            blocks=[TextBlock(text="result A"), TextBlock(text="result B")],
            additional_kwargs={"tool_call_id": "c1"},
        ),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the assistant's thinking is not content
        sent = _li_sent(messages)
    assert [m["content"] for m in sent] == ["a\nb", "Hi\nthere", "result A\nresult B"]


def test_llama_index_an_image_in_a_tool_message_is_named_in_a_warning() -> None:
    tool = ChatMessage(
        role="tool",
        blocks=[TextBlock(text="a chart"), ImageBlock(url="https://x/chart.png")],
        additional_kwargs={"tool_call_id": "c1"},
    )
    with pytest.warns(UserWarning, match=r"messages\[1\] \(tool\): left out ImageBlock"):
        sent = _li_sent([ChatMessage(role="user", content="q"), tool])
    assert sent[1]["content"] == "a chart"
    with pytest.warns(UserWarning, match=r"messages\[0\] \(user\): left out ThinkingBlock"):
        _li_sent(
            [ChatMessage(role="user", blocks=[ThinkingBlock(content="t"), TextBlock(text="q")])]
        )
