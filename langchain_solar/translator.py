"""`SolarTranslator`: English <-> Korean translation as a Runnable and an agent tool."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field, PrivateAttr, model_validator
from typing_extensions import Self

from solar_api.translate import TranslationPlan, Translator

from ._settings import SolarConnection

__all__ = ["SolarTranslationTool", "SolarTranslator"]


class SolarTranslator(RunnableSerializable[str, str], SolarConnection):
    """Translate between English and Korean with Solar.

    Example::

        from langchain_solar import SolarTranslator

        to_korean = SolarTranslator(direction="en-ko")
        print(to_korean.invoke("The weather is nice today."))

    On Upstage it uses ``solar-1-mini-translate-enko`` / ``-koen``; elsewhere, or when
    Upstage answers 404 for them, it prompts ``chat_model`` to translate (logged once).
    Pass ``model=`` to choose the model yourself.
    """

    direction: Literal["en-ko", "ko-en"] = "en-ko"
    model: str | None = None
    _model_words = (("chat_model",), "chat")

    chat_model: str = "solar-1-mini-chat"
    """The model prompted to translate; default: the provider's chat model."""
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)

    _translator: Translator = PrivateAttr()

    @model_validator(mode="after")
    def _setup_clients(self) -> Self:
        self._build()
        return self

    def _build(self) -> None:
        self._connect()
        self._translator = Translator(
            TranslationPlan(
                direction=self.direction,
                provider=self.provider_name,
                model=self.model,
                chat_model=self.chat_model,
                temperature=self.temperature,
                max_tokens=self.max_tokens,
            )
        )

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        self._build()

    def translate(self, text: str) -> str:
        return self._translator.translate(self._client, text)

    async def atranslate(self, text: str) -> str:
        return await self._translator.atranslate(self._async_client, text)

    def invoke(self, input: str, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return self._call_with_config(self.translate, input, config)

    async def ainvoke(self, input: str, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return await self._acall_with_config(self.atranslate, input, config)

    def as_agent_tool(self) -> SolarTranslationTool:
        return SolarTranslationTool(translator=self)


class _TranslateArgs(BaseModel):
    text: str = Field(description="The text to translate.")


class SolarTranslationTool(BaseTool):
    """Translate text between English and Korean; wraps a `SolarTranslator`."""

    name: str = "solar_translate"
    description: str = "Translate a text between English and Korean."
    args_schema: type[BaseModel] = _TranslateArgs
    translator: SolarTranslator

    @model_validator(mode="after")
    def _describe_direction(self) -> Self:
        source, target = (
            ("English", "Korean") if self.translator.direction == "en-ko" else ("Korean", "English")
        )
        self.name = f"solar_translate_{self.translator.direction.replace('-', '_')}"
        self.description = (
            f"Translate {source} text into {target}. Input: the text. Output: the translation."
        )
        return self

    def _run(self, text: str, **kwargs: Any) -> str:
        return self.translator.translate(text)

    async def _arun(self, text: str, **kwargs: Any) -> str:
        return await self.translator.atranslate(text)
