"""Summarization on any provider: Upstage's dedicated model, or a prompted chat model.

On ``solar-1-mini-summarization`` the request is exactly the Summarization API's (one user
message, ``format``, ``length``, ``temperature``). Elsewhere (NIM, local, today's Upstage
chat models; the dedicated API ended on 2024-05-10) a chat model is asked for the same
format and length; a host that refuses the dedicated model as retired makes the rest of
the work go to the plan's ``replacement`` chat model, once, with a warning
(`_fallback.py`). Text longer than the model's context is split on paragraph and sentence
boundaries, the parts summarized concurrently (bounded), and the summaries combined;
a token-limit 400 from the server makes it split further instead of failing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from pydantic import BaseModel, Field

from ..async_client import AsyncSolarClient
from ..client import SolarClient
from ..errors import APIStatusError, ContextLengthExceededError
from ..providers._registry import get_model_info
from ..types import ChatCompletionRequest
from ._fallback import RetiredFallback
from ._reply import reply_text
from .textsplit import split_text
from .tokens import EstimatedTokens, TokenCounter

__all__ = [
    "MIN_CHARS",
    "AsyncChatCall",
    "ChatCall",
    "SummaryFormat",
    "SummaryLength",
    "SummaryOptions",
    "SummaryPlan",
    "asummarize",
    "check_summary_text",
    "summarize",
]

SummaryFormat = Literal["paragraph", "bullets", "auto"]
SummaryLength = Literal["short", "medium", "long", "auto"]
MIN_CHARS = 250  # the Summarization API's own minimum (its 400 says so)
_MAX_DEPTH = 4
Progress = Callable[[int, int], None]
# A request in, the reply's text out: a client's chat, or an adapter's model call.
ChatCall = Callable[[ChatCompletionRequest], str]
AsyncChatCall = Callable[[ChatCompletionRequest], Awaitable[str]]

_FORMAT_TEXT = {
    "paragraph": "Write the summary as one paragraph of prose.",
    "bullets": "Write the summary as a bulleted list, one '* ' item per key point.",
    "auto": "Choose the form (a paragraph or a bulleted list) that suits the text best.",
}
_LENGTH_TEXT = {
    "short": "Keep it short: two or three sentences, or at most three bullets.",
    "medium": "Keep it to a medium length: about a fifth of the original.",
    "long": "Make it detailed: keep every important point.",
    "auto": "Choose a length that suits the text.",
}


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name}: got {value!r}; expected one of {', '.join(map(repr, allowed))}")


def check_summary_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text: got {type(text).__name__}; expected a string")
    if len(text) < MIN_CHARS:
        raise ValueError(
            f"text: got {len(text)} characters; a summary needs at least {MIN_CHARS} "
            "(the Summarization API's own minimum)"
        )
    return text


@dataclass(frozen=True)
class SummaryPlan:
    """How to summarize with one model: the request for a part, and how big a part may be."""

    model: str
    provider: str
    format: SummaryFormat = "auto"
    length: SummaryLength = "auto"
    temperature: float = 0.7
    max_tokens: int | None = None
    context_window: int | None = None
    # Sizes parts of a long text; the calibrated estimate unless a tokenizer is given.
    counter: TokenCounter = field(default_factory=EstimatedTokens, compare=False, repr=False)
    # The chat model prompted when the host refuses a dedicated model as retired, and
    # the base URL that lesson is kept for (None: for this call only).
    replacement: str | None = None
    base_url: str | None = None

    def __post_init__(self) -> None:
        _check_choice("format", self.format, get_args(SummaryFormat))
        _check_choice("length", self.length, get_args(SummaryLength))
        if (
            isinstance(self.temperature, bool)
            or not isinstance(self.temperature, int | float)
            or not 0 <= self.temperature <= 2
        ):
            raise ValueError(
                f"temperature: got {self.temperature!r}; expected a number from 0 to 2"
            )

    @property
    def dedicated(self) -> bool:
        """True when the registry says the model speaks the Summarization API's body
        (seed 001), on whatever host serves it (Upstage, a gateway, a proxy). The
        embedded local backend only answers to Solar's names (a small general model
        behind them), so there it is prompted."""
        return get_model_info(self.model).summarization and self.provider != "local"

    @property
    def max_part_tokens(self) -> int:
        window = self.context_window or get_model_info(self.model).context_window
        reserve = self.max_tokens or min(1024, window // 4)
        # Room for the part: the window less the reply and the prompt's own words.
        return max(MIN_CHARS, window - reserve - 200)

    def fallback(self) -> tuple[RetiredFallback, SummaryPlan] | None:
        """For a dedicated model with a replacement: the fallback, and the plan that
        prompts the replacement for the same format and length."""
        if not self.dedicated or self.replacement is None:
            return None
        prompted = replace(self, model=self.replacement, context_window=self.context_window)
        return RetiredFallback("summarizing", self.model, self.replacement, self.base_url), prompted

    def split(self, text: str) -> list[str]:
        return split_text(text, self.max_part_tokens, self.counter.count)

    def request(self, text: str) -> ChatCompletionRequest:
        if self.dedicated:
            return ChatCompletionRequest(
                model=self.model,
                messages=[{"role": "user", "content": text}],
                format=self.format,
                length=self.length,
                temperature=self.temperature,
                max_tokens=self.max_tokens,
            )
        instruction = (
            "You summarize texts. Reply with the summary only, in the text's language. "
            f"{_FORMAT_TEXT[self.format]} {_LENGTH_TEXT[self.length]}"
        )
        return ChatCompletionRequest(
            model=self.model,
            messages=[
                {"role": "system", "content": instruction},
                {"role": "user", "content": f"Summarize this text:\n\n{text}"},
            ],
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )


class SummaryOptions(BaseModel):
    """The summary knobs both adapters' summarizers take, and the plan they make.

    LangChain's ``SolarSummarizer`` and LlamaIndex's ``SolarSummaryTransform`` inherit
    these fields (pydantic), so their defaults and bounds are the same by construction.
    """

    format: SummaryFormat = Field(
        default="auto", description="paragraph, bullets, or auto (the model chooses)."
    )
    length: SummaryLength = Field(
        default="auto", description="short, medium, long, or auto (the model chooses)."
    )
    temperature: float = Field(default=0.7, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int | None = Field(
        default=None, ge=1, description="The most tokens a summary may have."
    )

    def summary_plan(self, model: str, client: SolarClient | AsyncSolarClient) -> SummaryPlan:
        """The plan for these options with `model` on `client`'s host; the provider's chat
        model replaces a dedicated `model` that host refuses as retired."""
        # The model stays with the classes: each resolves it its own way.
        return SummaryPlan(
            model=model,
            provider=client.provider.name,
            format=self.format,
            length=self.length,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            replacement=client.provider.default_model,
            base_url=client.base_url,
        )


def _halves(text: str) -> list[str]:
    return split_text(text, len(text) // 2 + 1)


def _sync_call(client: SolarClient | ChatCall) -> ChatCall:
    if isinstance(client, SolarClient):
        return lambda request: reply_text(client.chat(request), "summary")
    return client


def _async_call(client: AsyncSolarClient | AsyncChatCall) -> AsyncChatCall:
    if isinstance(client, AsyncSolarClient):

        async def call(request: ChatCompletionRequest) -> str:
            return reply_text(await client.chat(request), "summary")

        return call
    return client


class _Fallback:
    """The plan a part is sent with: the dedicated model's, or the replacement's once
    the host refused the dedicated model as retired."""

    def __init__(self, plan: SummaryPlan) -> None:
        self.plan = plan
        found = plan.fallback()
        self._fallback: RetiredFallback | None = found[0] if found else None
        self._prompted = found[1] if found else plan

    def request(self, part: str) -> ChatCompletionRequest:
        if self._fallback is not None and self._fallback.active:
            return self._prompted.request(part)
        return self.plan.request(part)

    def take(self, request: ChatCompletionRequest, exc: APIStatusError) -> bool:
        """True when `exc` refused the dedicated model of `request`: send it again."""
        return (
            self._fallback is not None
            and request.model == self.plan.model
            and self._fallback.take(exc)
        )


def summarize(
    client: SolarClient | ChatCall,
    plan: SummaryPlan,
    text: str,
    *,
    max_concurrency: int = 4,
    on_progress: Progress | None = None,
    final_call: ChatCall | None = None,
) -> str:
    """Summarize `text` (at least 250 characters) with the sync client.

    `client` may also be a function from a request to the reply's text (an adapter's
    model, so each call is a run of its framework). `final_call`, when given, sends the
    request whose reply is the summary itself (to stream it); `on_progress(done, total)`
    is called as the parts of a long text are summarized, from ``(0, total)`` on.
    """
    check_summary_text(text)
    call = _sync_call(client)
    last = final_call or call
    fallback = _Fallback(plan)

    def one(part: str, depth: int, final: bool = False) -> str:
        if len(part) < MIN_CHARS:
            return part  # already shorter than any summary the server would accept
        send = last if final else call
        request = fallback.request(part)
        try:
            return send(request)
        except ContextLengthExceededError:
            if depth >= _MAX_DEPTH:
                raise
            return run(" ".join(one(h, depth + 1) for h in _halves(part)), depth + 1)
        except APIStatusError as exc:
            if not fallback.take(request, exc):
                raise
            return send(fallback.request(part))

    def run(body: str, depth: int) -> str:
        parts = plan.split(body)
        if len(parts) <= 1:
            return one(body, depth, final=True)
        done = 0
        if on_progress is not None and depth == 0:
            on_progress(0, len(parts))  # a bar shows at once, not after the first part
        with ThreadPoolExecutor(max_workers=max(1, max_concurrency)) as pool:
            summaries = []
            for summary in pool.map(lambda p: one(p, depth), parts):
                summaries.append(summary)
                done += 1
                if on_progress is not None and depth == 0:
                    on_progress(done, len(parts))
        combined = "\n\n".join(summaries)
        return run(combined, depth + 1) if depth < _MAX_DEPTH else combined

    return run(text, 0)


async def asummarize(
    client: AsyncSolarClient | AsyncChatCall,
    plan: SummaryPlan,
    text: str,
    *,
    max_concurrency: int = 4,
    on_progress: Progress | None = None,
    final_call: AsyncChatCall | None = None,
) -> str:
    """The async twin of `summarize`."""
    check_summary_text(text)
    call = _async_call(client)
    last = final_call or call
    limit = asyncio.Semaphore(max(1, max_concurrency))
    fallback = _Fallback(plan)

    async def one(part: str, depth: int, final: bool = False) -> str:
        if len(part) < MIN_CHARS:
            return part
        send = last if final else call
        request = fallback.request(part)
        try:
            async with limit:
                return await send(request)
        except ContextLengthExceededError:
            if depth >= _MAX_DEPTH:
                raise
            halves = [await one(h, depth + 1) for h in _halves(part)]
            return await run(" ".join(halves), depth + 1)
        except APIStatusError as exc:
            if not fallback.take(request, exc):
                raise
            async with limit:
                return await send(fallback.request(part))

    async def run(body: str, depth: int) -> str:
        parts = plan.split(body)
        if len(parts) <= 1:
            return await one(body, depth, final=True)
        done = 0
        if on_progress is not None and depth == 0:
            on_progress(0, len(parts))

        async def tracked(part: str) -> str:
            nonlocal done
            summary = await one(part, depth)
            done += 1
            if on_progress is not None and depth == 0:
                on_progress(done, len(parts))
            return summary

        summaries = await asyncio.gather(*(tracked(p) for p in parts))
        combined = "\n\n".join(summaries)
        return await run(combined, depth + 1) if depth < _MAX_DEPTH else combined

    return await run(text, 0)
