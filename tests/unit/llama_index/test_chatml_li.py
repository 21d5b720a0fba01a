"""ChatML on both sides (issue 13, item 5): the renderer reproduces seed 004 byte for
byte, and LlamaIndex's chat on a completion model renders ChatML and posts /completions."""

from __future__ import annotations

import html
import re

import httpx
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from llama_index.core.llms import ChatMessage

from langchain_solar import chatml_prompt as lc_chatml_prompt
from langchain_solar import julep_continuation
from llama_index_solar import Solar
from llama_index_solar.chatml import chatml_prompt
from solar_api.tasks.chatml import render_chatml
from tests.helpers import FIXTURES, SECRET, Scripted, fixture_json, sse_response


def _seed_prompt() -> str:
    """The prompt exactly as seed 004's quickstart writes it: its <pre> block, unescaped,
    between the triple quotes (which start with a newline)."""
    block = (FIXTURES / "seed004_completion_prompt.html").read_text()
    return html.unescape(re.sub(r"</?(?:pre|code|strong)>", "", block)).split("'''")[1]


def test_the_fixture_and_both_renderers_reproduce_the_seed() -> None:
    seed = _seed_prompt()
    assert seed.startswith("\n<|im_start|>situation\n")
    assert (FIXTURES / "seed004_chatml_prompt.txt").read_text() == seed
    assert render_chatml(fixture_json("seed004_chat_request.json")["messages"]) == seed
    assert (
        lc_chatml_prompt(
            [
                SystemMessage("Samantha is talking to Homer", name="situation"),
                HumanMessage("Hi, how's it going?", name="Homer"),
                AIMessage("Hello, I am doing well, how are you?", name="Samantha"),
                HumanMessage("I am good too", name="Homer"),
                julep_continuation("Samantha"),
            ]
        )
        == seed
    )
    li = [
        ChatMessage(
            role="system",
            content="Samantha is talking to Homer",
            additional_kwargs={"name": "situation"},
        ),
        ChatMessage(
            role="user", content="Hi, how's it going?", additional_kwargs={"name": "Homer"}
        ),
        ChatMessage(
            role="assistant",
            content="Hello, I am doing well, how are you?",
            additional_kwargs={"name": "Samantha"},
        ),
        ChatMessage(role="user", content="I am good too", additional_kwargs={"name": "Homer"}),
        ChatMessage(
            role="assistant", content="", additional_kwargs={"name": "Samantha", "continue": True}
        ),
    ]
    assert chatml_prompt(li) == seed
    # Without an open turn, one is added for the assistant to answer in.
    assert chatml_prompt(li[:4]) == seed.rsplit("\n", 1)[0] + "\n<|im_start|>assistant"


def _completion_model(server: Scripted, **kw: object) -> Solar:
    return Solar(
        provider="julep",
        api_key=SECRET,
        is_chat_model=False,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,  # type: ignore[arg-type]
    )


MESSAGES = [ChatMessage(role="user", content="Hi", additional_kwargs={"name": "Homer"})]
PROMPT = "\n<|im_start|>user (Homer)\nHi<|im_end|>\n<|im_start|>assistant"


def test_chat_on_a_completion_model_posts_chatml_to_completions() -> None:
    server = Scripted(httpx.Response(200, json=fixture_json("seed004_completion_response.json")))
    reply = _completion_model(server).chat(MESSAGES)
    assert str(server.requests[0].url) == "https://api-alpha.julep.ai/v1/completions"
    assert server.body == {"model": "julep-ai/samantha-1-turbo", "prompt": PROMPT}
    assert reply.message.role == "assistant"
    assert reply.message.content.startswith("<|im_start|> Quantum entanglement")  # type: ignore[union-attr]
    # complete() on the same model over chat stays chat.
    server.replies = [
        httpx.Response(200, json=fixture_json("seed002_function_calling_response.json"))
    ]
    _completion_model(server).complete("x", use_chat_completions=True)
    assert str(server.requests[-1].url).endswith("/chat/completions")


def _text_events() -> httpx.Response:
    return sse_response(
        {"id": "c", "object": "text_completion", "choices": [{"index": 0, "text": "Hel"}]},
        {"id": "c", "object": "text_completion", "choices": [{"index": 0, "text": "lo"}]},
    )


def test_stream_chat_and_async_on_a_completion_model() -> None:
    server = Scripted(lambda _: _text_events())
    deltas = [r.delta for r in _completion_model(server).stream_chat(MESSAGES)]
    assert deltas == ["Hel", "lo"] and server.body["prompt"] == PROMPT
    assert server.body["stream"] is True


async def test_achat_and_astream_chat_on_a_completion_model() -> None:
    server = Scripted(httpx.Response(200, json=fixture_json("seed004_completion_response.json")))
    reply = await _completion_model(server).achat(MESSAGES)
    assert server.body["prompt"] == PROMPT and reply.message.content
    assert str(server.requests[-1].url).endswith("/completions")
    server = Scripted(lambda _: _text_events())
    gen = await _completion_model(server).astream_chat(MESSAGES)
    assert [r.delta async for r in gen] == ["Hel", "lo"]
    assert server.body["prompt"] == PROMPT


def test_messages_to_prompt_is_overridable() -> None:
    server = Scripted(httpx.Response(200, json=fixture_json("seed004_completion_response.json")))
    llm = _completion_model(
        server, messages_to_prompt=lambda ms: "|".join(str(m.content) for m in ms)
    )
    llm.chat(MESSAGES)
    assert server.body["prompt"] == "Hi"
