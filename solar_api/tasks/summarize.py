"""Summarization on any provider: Upstage's dedicated model, or a prompted chat model.

On ``solar-1-mini-summarization`` the request is exactly the Summarization API's (one user
message, ``format``, ``length``, ``temperature``). Elsewhere (NIM, local, today's Upstage
chat models; the dedicated API ended on 2024-05-10) a chat model is asked for the same
format and length; a host that refuses the dedicated model as retired makes the rest of
the work go to the plan's ``replacement`` chat model, once, with a warning
(`_fallback.py`). Text longer than the model's context is split on paragraph and sentence
boundaries, the parts summarized concurrently (bounded), and the summaries combined;
a token-limit 400 from the server makes it split further instead of failing. That
algorithm is written once, without I/O (`SummaryRun`); `summarize` and `asummarize`
only send its requests.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
from collections.abc import Callable, Generator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from ..async_client import AsyncSolarClient
from ..client import SolarClient
from ..errors import APIStatusError, ContextLengthExceededError
from ..providers._presets import preset_named
from ..providers._registry import get_model_info
from ..types import ChatCompletionRequest
from ._fallback import RetiredFallback
from .chat_call import AsyncChatCall, ChatCall, async_chat_call, chat_call
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
    "SummaryRequest",
    "SummaryRun",
    "asummarize",
    "check_summary_text",
    "summarize",
]

SummaryFormat = Literal["paragraph", "bullets", "auto"]
SummaryLength = Literal["short", "medium", "long", "auto"]
MIN_CHARS = 250  # the Summarization API's own minimum (its 400 says so)
_MAX_DEPTH = 4
Progress = Callable[[int, int], None]

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
        preset = preset_named(self.provider)
        aliased = preset is not None and preset.aliased_models
        return get_model_info(self.model).summarization and not aliased

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


# -- the algorithm, without I/O ----------------------------------------------------------


@dataclass(frozen=True)
class SummaryRequest:
    """A request the driver is to send; its reply (or error) goes back under `ticket`.
    `final`: its reply is the summary itself (sent with ``final_call``, to stream it)."""

    ticket: int
    request: ChatCompletionRequest
    final: bool


@dataclass(frozen=True)
class _Send:
    request: ChatCompletionRequest
    final: bool


@dataclass(frozen=True)
class _Fork:
    """Summarize these parts concurrently; the list of their summaries comes back."""

    parts: list[Generator[_Send | _Fork, Any, str]]
    on_progress: Progress | None


# A step of the algorithm: yields what it needs, is sent the reply text (or the list of
# the parts' summaries), or has the request's error thrown in.
_Steps = Generator[_Send | _Fork, Any, str]


@dataclass
class _Join:
    """The parts of a fork under way: their summaries as they come, and the fork's owner."""

    owner: _Task
    summaries: list[str | None]
    on_progress: Progress | None
    done: int = 0
    failed: bool = False


@dataclass
class _Task:
    steps: _Steps
    join: _Join | None = None  # None: the top of the run
    index: int = 0

    @property
    def abandoned(self) -> bool:
        """True when a fork this task is part of has failed: its replies are dropped."""
        join = self.join
        while join is not None:
            if join.failed:
                return True
            join = join.owner.join
        return False


class SummaryRun:
    """One summary's algorithm as a state machine: it says which requests to send and
    takes their replies; the sync and async drivers (`summarize`, `asummarize`) do the
    sending, at most ``max_concurrency`` at a time.

    ``start()`` and every ``reply(ticket, text or error)`` give the requests to send
    next; once no request is left, `result` is the summary (or ``reply`` raised the
    error that ended it). A text longer than the plan's parts is split, the parts
    summarized concurrently and their summaries combined (again, up to 4 levels); a
    part refused for its length (a token-limit 400) is halved, the halves summarized one
    after the other and combined; a dedicated model refused as retired is replaced once
    (`_Fallback`).
    """

    def __init__(self, plan: SummaryPlan, text: str, on_progress: Progress | None = None) -> None:
        self._text = check_summary_text(text)
        self._plan = plan
        self._fallback = _Fallback(plan)
        self._on_progress = on_progress
        self._waiting: dict[int, _Task] = {}
        self._tickets = itertools.count()
        self._result: str | None = None

    @property
    def result(self) -> str:
        if self._result is None:
            raise RuntimeError("the summary is not done: requests are still to be answered")
        return self._result

    def start(self) -> list[SummaryRequest]:
        return self._advance(_Task(self._run(self._text, 0, top=True)), None)

    def reply(self, ticket: int, outcome: str | BaseException) -> list[SummaryRequest]:
        """The reply's text (or the error) of the request sent under `ticket`; the
        requests to send next. An error the algorithm does not handle is raised here."""
        task = self._waiting.pop(ticket)
        if task.abandoned:
            return []
        return self._advance(task, outcome)

    def _advance(self, task: _Task, outcome: Any) -> list[SummaryRequest]:
        out: list[SummaryRequest] = []
        while True:
            try:
                if isinstance(outcome, BaseException):
                    step = task.steps.throw(outcome)
                else:
                    step = task.steps.send(outcome)
            except StopIteration as stop:
                outcome = stop.value
            except Exception as exc:
                if task.join is None:
                    raise
                task.join.failed = True
                outcome = exc  # thrown into the fork's owner
            else:
                if isinstance(step, _Send):
                    ticket = next(self._tickets)
                    self._waiting[ticket] = task
                    out.append(SummaryRequest(ticket, step.request, step.final))
                else:
                    fork = _Join(task, [None] * len(step.parts), step.on_progress)
                    for index, part in enumerate(step.parts):
                        if fork.failed:
                            break
                        out += self._advance(_Task(part, fork, index), None)
                return out
            # The task ended: the summary, or the fork's owner goes on.
            join = task.join
            if join is None:
                self._result = outcome
                return out
            if not isinstance(outcome, BaseException):
                join.summaries[task.index] = outcome
                join.done += 1
                if join.on_progress is not None:
                    join.on_progress(join.done, len(join.summaries))
                if join.done < len(join.summaries):
                    return out
                outcome = join.summaries
            task = join.owner

    def _part(self, part: str, depth: int, final: bool = False) -> _Steps:
        if len(part) < MIN_CHARS:
            return part  # already shorter than any summary the server would accept
        request = self._fallback.request(part)
        try:
            summary: str = yield _Send(request, final)
            return summary
        except ContextLengthExceededError:
            if depth >= _MAX_DEPTH:
                raise
            halves = []
            for half in _halves(part):
                halves.append((yield from self._part(half, depth + 1)))
            return (yield from self._run(" ".join(halves), depth + 1, top=final))
        except APIStatusError as exc:
            if not self._fallback.take(request, exc):
                raise
            again: str = yield _Send(self._fallback.request(part), final)
            return again

    def _run(self, body: str, depth: int, *, top: bool = False) -> _Steps:
        """The summary of `body`; `top`: it is the run's own (not a part's), so its
        last request is final."""
        parts = self._plan.split(body)
        if len(parts) <= 1:
            return (yield from self._part(body, depth, final=top))
        progress = self._on_progress if depth == 0 else None
        if progress is not None:
            progress(0, len(parts))  # a bar shows at once, not after the first part
        summaries = yield _Fork([self._part(p, depth) for p in parts], progress)
        combined = "\n\n".join(summaries)
        if depth >= _MAX_DEPTH:
            return combined
        return (yield from self._run(combined, depth + 1, top=top))


# -- the drivers: only the sending -----------------------------------------------------------


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
    run = SummaryRun(plan, text, on_progress)
    call = chat_call(client, "summary")
    last = final_call or call

    def send(need: SummaryRequest) -> str:
        return (last if need.final else call)(need.request)

    pending = run.start()
    futures: dict[Future[str], int] = {}
    with ThreadPoolExecutor(max_workers=max(1, max_concurrency)) as pool:
        try:
            while pending or futures:
                if len(pending) == 1 and not futures:
                    # Alone (a short text, a combining call): sent from this thread.
                    need = pending[0]
                    try:
                        outcome: str | BaseException = send(need)
                    except Exception as exc:
                        outcome = exc
                    pending = run.reply(need.ticket, outcome)
                    continue
                for need in pending:
                    # Each in a copy of this context, as asyncio.to_thread does.
                    future = pool.submit(contextvars.copy_context().run, send, need)
                    futures[future] = need.ticket
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                pending = []
                for future in done:
                    ticket = futures.pop(future)
                    pending += run.reply(ticket, future.exception() or future.result())
        finally:
            for future in futures:  # a part failed: the rest are not started
                future.cancel()
    return run.result


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
    run = SummaryRun(plan, text, on_progress)
    call = async_chat_call(client, "summary")
    last = final_call or call
    limit = asyncio.Semaphore(max(1, max_concurrency))

    async def send(need: SummaryRequest) -> str:
        async with limit:
            return await (last if need.final else call)(need.request)

    pending = run.start()
    tasks: dict[asyncio.Task[str], int] = {}
    try:
        while pending or tasks:
            for need in pending:
                tasks[asyncio.ensure_future(send(need))] = need.ticket
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            pending = []
            for task in done:
                ticket = tasks.pop(task)
                pending += run.reply(ticket, task.exception() or task.result())
    finally:
        # A part failed, or this was cancelled: no request is left running.
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
    return run.result
