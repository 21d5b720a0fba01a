"""`SummaryRun`, the summary algorithm without I/O, and its two drivers (issue 27)."""

from __future__ import annotations

import httpx
import pytest

from solar_api.errors import APIStatusError, ContextLengthExceededError
from solar_api.tasks.summarize import SummaryPlan, SummaryRun, asummarize, summarize
from solar_api.types import ChatCompletionRequest

PARAGRAPHS = [f"Paragraph {i}. " + ("Solar is a small and fast model. " * 12) for i in range(6)]
TEXT = "\n\n".join(PARAGRAPHS)
PLAN = SummaryPlan(model="m", provider="local", context_window=500, max_tokens=100)


def _refusal(status: int, message: str) -> APIStatusError:
    response = httpx.Response(status, request=httpx.Request("POST", "http://127.0.0.1:1/v1"))
    kind = ContextLengthExceededError if status == 400 else APIStatusError
    return kind(message, response=response, body=None)


def _user_text(request: ChatCompletionRequest) -> str:
    return str(request.messages[-1].content)


def test_the_plan_runs_on_replies_alone() -> None:
    run = SummaryRun(PLAN, TEXT)
    pending = run.start()
    assert len(pending) > 1 and not any(p.final for p in pending)  # the parts, at once
    sent = list(pending)
    while pending:
        need = pending.pop(0)
        more = run.reply(need.ticket, f"summary {need.ticket} " + "x" * 100)
        pending += more
        sent += more
    # The last request combines the parts' summaries, and is the only final one.
    assert [p.final for p in sent].count(True) == 1 and sent[-1].final
    assert "summary 0" in _user_text(sent[-1].request)
    assert run.result.startswith("summary ")


def test_only_the_summarys_own_request_is_final() -> None:
    """A part refused for its length is halved and its halves combined: that combining
    request is a part's, not the summary, so it is not sent with final_call."""
    finals: list[str] = []
    refused: list[str] = []

    def call(request: ChatCompletionRequest) -> str:
        text = _user_text(request)
        if "Paragraph 0." in text and not refused:
            refused.append(text)
            raise _refusal(400, "too many tokens")
        return "summary " + "x" * 100

    def final(request: ChatCompletionRequest) -> str:
        finals.append(_user_text(request))
        return "the summary"

    assert summarize(call, PLAN, TEXT, final_call=final) == "the summary"
    assert refused and len(finals) == 1 and finals[0].count("summary ") > 1


async def test_a_failed_part_ends_the_async_run_with_its_error() -> None:
    async def call(request: ChatCompletionRequest) -> str:
        if "Paragraph 2." in _user_text(request):
            raise _refusal(401, "bad key")
        return "summary " + "x" * 100

    with pytest.raises(APIStatusError, match="bad key"):
        await asummarize(call, PLAN, TEXT, max_concurrency=2)
