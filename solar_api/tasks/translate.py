"""English <-> Korean translation: a prompted chat model, or Upstage's dedicated models.

By default a chat model (the provider's current one) is asked to translate and to reply
with the translation only: Upstage retired its translation models on 2025-06-09 and
names Solar Mini 4 in their place (console.upstage.ai/docs/others/translation, read
2026-12-06). ``solar-1-mini-translate-enko`` and ``-koen``, when named, get the seed's
request (the text as a plain user message); a host that refuses them as retired makes
the translator prompt the chat model instead, once, with a warning (`_fallback.py`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, get_args

from ..async_client import AsyncSolarClient
from ..client import SolarClient
from ..errors import APIStatusError
from ..providers._registry import get_model_info
from ..types import ChatCompletionRequest
from ._fallback import RetiredFallback
from .chat_call import AsyncChatCall, ChatCall, async_chat_call, chat_call

__all__ = ["DEDICATED_MODELS", "Direction", "TranslationPlan", "Translator"]

logger = logging.getLogger("solar_api")

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
    chat_model: str = "solar-mini4"
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
        return self.model if self.model is not None else self.chat_model

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
    """Translates with `plan`; a dedicated model refused as retired (or 404) on
    `base_url` makes it prompt the plan's chat model from then on (`_fallback.py`)."""

    def __init__(self, plan: TranslationPlan, base_url: str | None = None) -> None:
        self.plan = plan
        self._fallback = (
            RetiredFallback("translating", plan.target_model, plan.chat_model, base_url)
            if plan.dedicated
            else None
        )

    @property
    def fallback(self) -> bool:
        """True when requests prompt the chat model in place of a refused dedicated one."""
        return self._fallback is not None and self._fallback.active

    def _request(self, text: str) -> ChatCompletionRequest:
        return self.plan.request(text, prompted=self.fallback)

    def _should_fall_back(self, exc: APIStatusError) -> bool:
        return self._fallback is not None and self._fallback.take(exc)

    def translate(self, client: SolarClient | ChatCall, text: str) -> str:
        """Translate with the client, or a function from a request to the reply's text."""
        call = chat_call(client, "translation")
        request = self._request(text)
        try:
            return call(request)
        except APIStatusError as exc:
            if request.model != self.plan.target_model or not self._should_fall_back(exc):
                raise
            return call(self._request(text))

    async def atranslate(self, client: AsyncSolarClient | AsyncChatCall, text: str) -> str:
        call = async_chat_call(client, "translation")
        request = self._request(text)
        try:
            return await call(request)
        except APIStatusError as exc:
            if request.model != self.plan.target_model or not self._should_fall_back(exc):
                raise
            return await call(self._request(text))
