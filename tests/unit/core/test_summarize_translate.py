"""The framework-free summarization, translation, splitting and ChatML pieces."""

from __future__ import annotations

import json
import warnings

import httpx
import pytest

from solar_api import AsyncSolarClient, SolarClient
from solar_api.tasks.chatml import render_chatml
from solar_api.tasks.summarize import MIN_CHARS, SummaryPlan, asummarize, summarize
from solar_api.tasks.textsplit import split_text
from solar_api.tasks.translate import TranslationPlan, Translator
from tests.helpers import SECRET, Scripted, chat_json, error_response, fixture_json

SEED_REQUEST = fixture_json("seed001_summarization_request.json")
ARTICLE = SEED_REQUEST["messages"][0]["content"]


def client(server: Scripted, provider: str = "upstage") -> SolarClient:
    kw = {"base_url": "http://127.0.0.1:1/v1"} if provider == "local" else {}
    return SolarClient(provider=provider, api_key=SECRET, http_client=server.sync_client(), **kw)


def test_dedicated_model_sends_exactly_seed_001() -> None:
    server = Scripted(httpx.Response(200, json=fixture_json("seed001_summarization_response.json")))
    plan = SummaryPlan(
        model="solar-1-mini-summarization",
        provider="upstage",
        format="bullets",
        length="auto",
        temperature=0,
    )
    out = summarize(client(server), plan, ARTICLE)
    assert server.body == SEED_REQUEST
    assert out.startswith("* Solar Mini is a powerful, purpose-trained LLM")


def test_chat_models_are_prompted_for_format_and_length() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("* point")))
    plan = SummaryPlan(
        model="solar-1-mini-chat",
        provider="upstage",
        format="bullets",
        length="short",
        temperature=0.2,
    )
    assert summarize(client(server), plan, ARTICLE) == "* point"
    body = server.body
    assert "format" not in body and "length" not in body and body["temperature"] == 0.2
    system = body["messages"][0]["content"]
    assert "bulleted list" in system and "short" in system
    assert body["messages"][1]["content"].endswith(ARTICLE)


def test_the_summarization_model_elsewhere_is_prompted_too() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("ok")))
    plan = SummaryPlan(model="solar-1-mini-summarization", provider="local")
    summarize(client(server, "local"), plan, ARTICLE)
    assert server.body["messages"][0]["role"] == "system"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"format": "table"}, "format"),
        ({"length": "tiny"}, "length"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": True}, "temperature"),
    ],
)
def test_parameters_are_validated(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=f"{field}: got"):
        SummaryPlan(model="m", provider="upstage", **kwargs)  # type: ignore[arg-type]


def test_short_text_is_refused_before_any_request() -> None:
    server = Scripted()
    text = ARTICLE[:227]
    with pytest.raises(ValueError, match="got 227 characters; a summary needs at least 250"):
        summarize(client(server), SummaryPlan(model="m", provider="upstage"), text)
    assert server.count == 0


def test_long_text_is_split_summarized_concurrently_and_combined() -> None:
    paragraphs = [f"Paragraph {i}. " + ("Solar is a small and fast model. " * 12) for i in range(6)]
    text = "\n\n".join(paragraphs)
    seen: list[str] = []

    def reply(request: httpx.Request) -> httpx.Response:
        content = json.loads(request.content)["messages"][-1]["content"]
        seen.append(content)
        return httpx.Response(200, json=chat_json(f"summary {len(seen)} " + "x" * 100))

    server = Scripted(reply)
    plan = SummaryPlan(model="m", provider="local", context_window=500, max_tokens=100)
    progress: list[tuple[int, int]] = []
    out = summarize(
        client(server, "local"),
        plan,
        text,
        max_concurrency=3,
        on_progress=lambda d, t: progress.append((d, t)),
    )
    parts = len(seen) - 1
    assert parts > 1 and progress[-1] == (parts, parts)
    assert progress[0] == (0, parts)  # a bar can show before the first part is done
    # Each part ends on a paragraph or sentence boundary and fits the plan.
    for content in seen[:-1]:
        body = content.split("\n\n", 1)[1]
        assert plan.counter.count(body) <= plan.max_part_tokens and body.rstrip().endswith(".")
    # The last request combines the part summaries.
    assert seen[-1].count("summary ") == parts and out.startswith("summary ")


def test_token_limit_400_splits_further_instead_of_failing() -> None:
    body = fixture_json("seed001_error_token_limit.json")
    server = Scripted(
        httpx.Response(400, json=body),
        httpx.Response(200, json=chat_json("half one " * 20)),
        httpx.Response(200, json=chat_json("half two " * 20)),
        httpx.Response(200, json=chat_json("final")),
    )
    out = summarize(
        client(server),
        SummaryPlan(model="solar-1-mini-summarization", provider="upstage"),
        ARTICLE + " " + ARTICLE,
    )
    assert out == "final" and server.count == 4


def test_other_errors_are_not_swallowed() -> None:
    server = Scripted(error_response(401, "bad key"))
    with pytest.raises(Exception, match="bad key"):
        summarize(client(server), SummaryPlan(model="m", provider="upstage"), ARTICLE)


async def test_async_summarize() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("async summary")))
    aclient = AsyncSolarClient(api_key=SECRET, http_client=server.async_client())
    assert (
        await asummarize(aclient, SummaryPlan(model="m", provider="upstage"), ARTICLE)
        == "async summary"
    )


def test_split_text_keeps_order_and_boundaries() -> None:
    text = "First sentence here. Second one! Third?\n\nNew paragraph. 한국어 문장입니다. 끝."
    parts = split_text(text, 40)
    assert all(len(p) <= 40 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert split_text("word " * 3, 3) == ["wor", "d", "wor", "d", "wor", "d"]


@pytest.mark.parametrize(
    ("direction", "model"),
    [("en-ko", "solar-1-mini-translate-enko"), ("ko-en", "solar-1-mini-translate-koen")],
)
def test_dedicated_translation_models_when_named_send_the_seed_body(
    direction: str, model: str
) -> None:
    server = Scripted(httpx.Response(200, json=chat_json("번역")))
    plan = TranslationPlan(direction=direction, provider="upstage", model=model)  # type: ignore[arg-type]
    assert Translator(plan).translate(client(server), "Hello") == "번역"
    assert server.requests[0].content == (
        b'{"model":"%s","messages":[{"role":"user","content":"Hello"}]}' % model.encode()
    )


def test_translation_on_upstage_prompts_the_current_chat_model_by_default() -> None:
    # Upstage retired its translation models on 2025-06-09 (docs/others/translation).
    server = Scripted(httpx.Response(200, json=chat_json("번역")))
    Translator(TranslationPlan(direction="en-ko", provider="upstage")).translate(
        client(server), "Hello"
    )
    assert server.body["model"] == "solar-mini4"
    assert server.body["messages"][0]["content"].startswith("You translate English into Korean")


def test_translation_falls_back_to_a_prompted_chat_model_after_404(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = Scripted(
        error_response(404, "model not found"), httpx.Response(200, json=chat_json("안녕하세요"))
    )
    plan = TranslationPlan(
        direction="en-ko", provider="upstage", model="solar-1-mini-translate-enko"
    )
    translator = Translator(plan)
    assert translator.translate(client(server), "Hello") == "안녕하세요"
    assert server.bodies[1]["model"] == "solar-mini4"
    assert "into Korean" in server.bodies[1]["messages"][0]["content"]
    assert "is not served at this host" in caplog.text
    translator.translate(client(server), "Again")
    assert server.count == 3  # remembered: no second 404


def test_translation_elsewhere_prompts_the_chat_model_and_validates() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("Hello")))
    Translator(TranslationPlan(direction="ko-en", provider="local")).translate(
        client(server, "local"), "안녕"
    )
    assert server.body["messages"][0]["content"].startswith("You translate Korean into English")
    with pytest.raises(ValueError, match="direction: got 'en-fr'"):
        TranslationPlan(direction="en-fr", provider="upstage")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        TranslationPlan(direction="en-ko", provider="upstage").request("  ")


def test_chatml_matches_julep_seed_004() -> None:
    messages = fixture_json("seed004_chat_request.json")["messages"]
    assert render_chatml(messages) == (
        FIXTURE := (fixture_json.__globals__["FIXTURES"] / "seed004_chatml_prompt.txt").read_text()
    )
    assert FIXTURE.endswith("<|im_start|>assistant (Samantha)")
    with pytest.raises(ValueError, match="role 'tool'"):
        render_chatml([{"role": "tool", "content": "x"}])


def test_single_turn_models_warn_once_on_conversations() -> None:
    server = Scripted()
    nim = SolarClient(provider="nvidia", api_key=SECRET, http_client=server.sync_client())
    convo = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"},
    ]
    with pytest.warns(UserWarning, match="single-turn"):
        nim.chat(model="upstage/solar-10.7b-instruct", messages=convo)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nim.chat(model="upstage/solar-10.7b-instruct", messages=convo)
        nim.chat(model="upstage/solar-10.7b-instruct", messages=convo[:1])
    assert server.count == 3
    assert MIN_CHARS == 250


def test_a_translation_model_against_its_direction_is_refused() -> None:
    # Issue 13 item 8: the en->ko model with a ko->en prompt answered in the wrong language.
    with pytest.raises(ValueError, match="model: 'solar-1-mini-translate-enko' translates en-ko"):
        TranslationPlan(direction="ko-en", provider="upstage", model="solar-1-mini-translate-enko")
    assert TranslationPlan(
        direction="en-ko", provider="upstage", model="solar-1-mini-translate-enko"
    ).dedicated
