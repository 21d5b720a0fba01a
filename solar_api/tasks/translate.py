"""English <-> Korean translation: Upstage's dedicated models, or a prompted chat model.

``solar-1-mini-translate-enko`` and ``-koen`` take the text as a plain user message. Where
they are absent (other providers, or a 404 from Upstage since the models were retired)
a chat model is asked to translate and to reply with the translation only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, get_args

from ..async_client import AsyncSolarClient
from ..client import SolarClient
from ..errors import NotFoundError
from ..providers._registry import get_model_info
from ..types import ChatCompletionRequest
from ._reply import reply_text

__all__ = ["DEDICATED_MODELS", "Direction", "TranslationPlan", "Translator"]

logger = logging.getLogger("solar_api")

# A request in, the reply's text out: a client's chat, or an adapter's model call.
ChatCall = Callable[[ChatCompletionRequest], str]
AsyncChatCall = Callable[[ChatCompletionRequest], Awaitable[str]]

Direction = Literal["en-ko", "ko-en"]
DEDICATED_MODELS: dict[str, str] = {
    "en-ko": "solar-1-mini-translate-enko",
    "ko-en": "solar-1-mini-translate-koen",
}
_LANGUAGES = {"en-ko": ("English", "Korean"), "ko-en": ("Korean", "English")}


@dataclass(frozen=True)
class TranslationPlan:
    """Which model translates, and the request for one text."""

    direction: Direction
    provider: str
    model: str | None = None
    chat_model: str = "solar-1-mini-chat"
    temperature: float | None = None
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        allowed = get_args(Direction)
        if self.direction not in allowed:
            choices = ", ".join(map(repr, allowed))
            raise ValueError(f"direction: got {self.direction!r}; expected one of {choices}")
        # A dedicated model translates one way only: asked the other way it would answer
        # in the wrong language.
        model_direction = get_model_info(self.model).translation if self.model else None
        if model_direction is not None and model_direction != self.direction:
            raise ValueError(
                f"model: {self.model!r} translates {model_direction}, but direction is "
                f"{self.direction!r}; use {DEDICATED_MODELS[self.direction]!r} or drop model="
            )

    @property
    def target_model(self) -> str:
        if self.model is not None:
            return self.model
        return DEDICATED_MODELS[self.direction] if self.provider == "upstage" else self.chat_model

    @property
    def dedicated(self) -> bool:
        return get_model_info(self.target_model).translation == self.direction

    def request(self, text: str, *, prompted: bool = False) -> ChatCompletionRequest:
        """The request; ``prompted=True`` forces the chat-model prompt (the fallback)."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text: got an empty text; expected something to translate")
        if self.dedicated and not prompted:
            return ChatCompletionRequest(
                model=self.target_model,
                messages=[{"role": "user", "content": text}],
                temperature=self.temperature,
                max_tokens=self.max_tokens,
            )
        source, target = _LANGUAGES[self.direction]
        return ChatCompletionRequest(
            model=self.chat_model if prompted else self.target_model,
            messages=[
                {
                    "role": "system",
                    "content": f"You translate {source} into {target}. Reply with the "
                    f"{target} translation only, keeping the meaning, tone and formatting.",
                },
                {"role": "user", "content": text},
            ],
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )


class Translator:
    """Translates with `plan`; after a 404 for a dedicated model, prompts the chat model.

    The fallback is remembered for this object's lifetime and logged once.
    """

    def __init__(self, plan: TranslationPlan) -> None:
        self.plan = plan
        self.fallback = False

    def _request(self, text: str) -> ChatCompletionRequest:
        return self.plan.request(text, prompted=self.fallback)

    def _should_fall_back(self, exc: NotFoundError) -> bool:
        if self.fallback or not self.plan.dedicated or self.plan.model is not None:
            return False
        self.fallback = True
        logger.warning(
            "%s is not served here (%s); translating with %s instead",
            self.plan.target_model,
            exc.message,
            self.plan.chat_model,
        )
        return True

    def translate(self, client: SolarClient | ChatCall, text: str) -> str:
        """Translate with the client, or a function from a request to the reply's text."""
        call: ChatCall = (
            (lambda r: reply_text(client.chat(r), "translation"))
            if isinstance(client, SolarClient)
            else client
        )
        try:
            return call(self._request(text))
        except NotFoundError as exc:
            if not self._should_fall_back(exc):
                raise
            return call(self._request(text))

    async def atranslate(self, client: AsyncSolarClient | AsyncChatCall, text: str) -> str:
        async def via_client(request: ChatCompletionRequest) -> str:
            assert isinstance(client, AsyncSolarClient)
            return reply_text(await client.chat(request), "translation")

        call = via_client if isinstance(client, AsyncSolarClient) else client
        try:
            return await call(self._request(text))
        except NotFoundError as exc:
            if not self._should_fall_back(exc):
                raise
            return await call(self._request(text))
