"""The summarizer and translator as LangChain citizens (issue 17, items 4, 5, 6, 8):
their model calls are child runs (callbacks, usage, astream_events, streamed tokens),
their tools hand bad input back to the agent, progress moves per part, and a short
document in a batch is its own summary. Also a LangGraph agent with a checkpointer."""

from __future__ import annotations

import json
import re
import warnings
from typing import Any
from uuid import UUID

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler, get_usage_metadata_callback
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import ToolException

from langchain_solar import ChatSolar, SolarSummarizer, SolarTranslator
from tests.helpers import SECRET, Scripted, chat_json, chunk, fixture_json, sse_response

ARTICLE = fixture_json("seed001_summarization_request.json")["messages"][0]["content"]
SHORT = "Too short to summarize."


def streaming_or_not(request: httpx.Request) -> httpx.Response:
    """A summary, streamed in three tokens when the request asks for a stream."""
    if json.loads(request.content).get("stream"):
        return sse_response(
            chunk("Short", role="assistant"),
            chunk(" sum"),
            chunk("mary."),
            chunk(finish_reason="stop"),
            chunk(usage=(10, 3), choices=False),
        )
    return httpx.Response(200, json=chat_json("Short summary.", usage=(10, 3)))


def conn(server: Scripted, **kw: Any) -> dict[str, Any]:
    return {
        "api_key": SECRET,
        "http_client": server.sync_client(),
        "http_async_client": server.async_client(),
        **kw,
    }


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.chains: dict[UUID, str] = {}
        self.chat_parents: list[UUID | None] = []

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self.chains[run_id] = kw.get("name") or ""

    def on_chat_model_start(
        self,
        serialized: Any,
        messages: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kw: Any,
    ) -> None:
        self.chat_parents.append(parent_run_id)


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda s: SolarSummarizer(**conn(s)), ARTICLE),
        (lambda s: SolarTranslator(**conn(s, provider="nvidia")), "Hello"),
    ],
)
def test_inner_model_calls_are_child_runs_with_usage(make: Any, text: str) -> None:
    server = Scripted(streaming_or_not)
    runnable = make(server)
    recorder = Recorder()
    with get_usage_metadata_callback() as usage:
        assert runnable.invoke(text, {"callbacks": [recorder]}) == "Short summary."
    (parent,) = recorder.chat_parents
    assert recorder.chains[parent] == type(runnable).__name__
    (counted,) = usage.usage_metadata.values()
    assert counted["input_tokens"] == 10 and counted["output_tokens"] == 3


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda s: SolarSummarizer(**conn(s)), ARTICLE),
        (lambda s: SolarTranslator(**conn(s, provider="nvidia")), "Hello"),
    ],
)
def test_stream_yields_the_inner_models_tokens(make: Any, text: str) -> None:
    server = Scripted(streaming_or_not)
    assert list(make(server).stream(text)) == ["Short", " sum", "mary."]
    assert server.body["stream"] is True


async def test_astream_and_astream_events_show_chat_model_events() -> None:
    server = Scripted(streaming_or_not)
    summarizer = SolarSummarizer(**conn(server))
    assert [t async for t in summarizer.astream(ARTICLE)] == ["Short", " sum", "mary."]
    kinds = [e["event"] async for e in summarizer.astream_events(ARTICLE, version="v2")]
    assert "on_chat_model_start" in kinds and "on_chat_model_end" in kinds
    assert kinds.count("on_chat_model_stream") >= 3
    translator = SolarTranslator(**conn(server, provider="nvidia"))
    assert [t async for t in translator.astream("Hello")] == ["Short", " sum", "mary."]


def test_a_long_text_streams_the_combining_call_only() -> None:
    text = " ".join(f"Sentence {i} says something about Solar." for i in range(2500))

    def reply(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("stream"):
            return streaming_or_not(request)
        # Part summaries long enough that their combination needs a model call too.
        return httpx.Response(200, json=chat_json("A part summary about Solar. " * 4))

    server = Scripted(reply)
    tokens = list(SolarSummarizer(**conn(server, model="m")).stream(text))
    assert tokens == ["Short", " sum", "mary."]
    streamed = [b.get("stream", False) for b in server.bodies]
    assert streamed[-1] is True and not any(streamed[:-1]) and len(streamed) > 2


def test_tools_hand_bad_input_back_to_the_agent() -> None:
    server = Scripted(streaming_or_not)
    tool = SolarSummarizer(**conn(server)).as_agent_tool()
    assert tool.handle_tool_error is True
    answer = tool.invoke({"text": SHORT})
    assert "at least 250" in answer and server.count == 0
    with pytest.raises(ToolException):
        tool.model_copy(update={"handle_tool_error": False}).invoke({"text": SHORT})
    translate = SolarTranslator(**conn(server)).as_agent_tool()
    assert "empty text" in translate.invoke({"text": "   "}) and server.count == 0


def test_short_document_in_a_batch_is_its_own_summary() -> None:
    server = Scripted(streaming_or_not)
    summarizer = SolarSummarizer(**conn(server))
    docs = [Document(page_content=SHORT, id="s"), Document(page_content=ARTICLE, id="l")]
    with pytest.warns(UserWarning, match="1 of 2 documents are shorter than 250"):
        out = summarizer.transform_documents(docs)
    assert [d.page_content for d in out] == [SHORT, "Short summary."]
    assert [d.id for d in out] == ["s", "l"] and server.count == 1
    with pytest.raises(ValueError, match="at least 250"):
        summarizer.invoke(SHORT)  # a single short text alone is still an error


async def test_short_document_in_an_async_batch_is_its_own_summary() -> None:
    server = Scripted(streaming_or_not)
    docs = [Document(page_content=SHORT), Document(page_content=ARTICLE)]
    with pytest.warns(UserWarning, match="shorter than 250"):
        out = await SolarSummarizer(**conn(server)).atransform_documents(docs)
    assert [d.page_content for d in out] == [SHORT, "Short summary."]


def _bar_states(err: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+) \[", err)]


def test_progress_moves_per_part_of_one_long_text(capsys: pytest.CaptureFixture[str]) -> None:
    text = " ".join(f"Sentence {i} says something about Solar." for i in range(2500))
    server = Scripted(streaming_or_not)
    summarizer = SolarSummarizer(**conn(server, model="m", show_progress=True))
    summarizer.invoke(text)
    states = _bar_states(capsys.readouterr().err)
    # One request per part (their short summaries combined need no model call).
    parts = server.count
    assert parts > 1 and states[-1] == (parts, parts)
    assert (0, parts) in states  # shown as soon as the split is known
    # One long document in transform_documents moves the same way, not 0/1 then 1/1.
    summarizer.transform_documents([Document(page_content=text)])
    states = _bar_states(capsys.readouterr().err)
    assert states[0] == (0, 1) and states[-1] == (parts, parts)
    assert len({done for done, _ in states}) > 2


def test_progress_is_silent_unless_asked(capsys: pytest.CaptureFixture[str]) -> None:
    server = Scripted(streaming_or_not)
    SolarSummarizer(**conn(server)).transform_documents([Document(page_content=ARTICLE)])
    assert capsys.readouterr().err == ""


def test_summarizer_tool_in_a_langgraph_agent_with_a_checkpointer() -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    with warnings.catch_warnings():
        # langgraph 1.x moved create_react_agent to langchain.agents (not a dependency).
        warnings.simplefilter("ignore", DeprecationWarning)
        from langgraph.prebuilt import create_react_agent

    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "solar_summarize", "arguments": json.dumps({"text": SHORT})},
    }
    # Distinct ids: LangGraph's message list replaces a message by id.
    chat_server = Scripted(
        httpx.Response(
            200,
            json=chat_json(None, tool_calls=[call], finish_reason="tool_calls", id="r1"),
        ),
        httpx.Response(200, json=chat_json("That text is too short to summarize.", id="r2")),
        httpx.Response(200, json=chat_json("You asked me to summarize a short text.", id="r3")),
    )
    summary_server = Scripted(streaming_or_not)
    tool = SolarSummarizer(**conn(summary_server)).as_agent_tool()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        agent = create_react_agent(
            ChatSolar(**conn(chat_server)), [tool], checkpointer=InMemorySaver()
        )
    thread = {"configurable": {"thread_id": "t1"}}
    state = agent.invoke({"messages": [("user", f"Summarize: {SHORT}")]}, thread)
    tool_message = next(m for m in state["messages"] if isinstance(m, ToolMessage))
    assert "at least 250" in str(tool_message.content) and summary_server.count == 0
    assert isinstance(state["messages"][-1], AIMessage)
    # The checkpointer keeps the thread: the next turn carries the whole history.
    agent.invoke({"messages": [("user", "What did I ask?")]}, thread)
    roles = [m["role"] for m in chat_server.body["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]
