"""`SolarTranslator`: English <-> Korean translation as a Runnable and an agent tool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Literal, Self

from langchain_core.callbacks import (
    AsyncCallbackManagerForChainRun,
    AsyncCallbackManagerForToolRun,
    CallbackManagerForChainRun,
    CallbackManagerForToolRun,
)
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field, PrivateAttr, model_validator

from solar_api.integration import Connection
from solar_api.tasks.translate import TranslationPlan, Translator
from solar_api.types import ChatCompletionRequest

from ._inner_chat import InnerChat, astream_from, child_config, stream_from
from ._tool_errors import as_tool_error

__all__ = ["SolarTranslationTool", "SolarTranslator"]


class SolarTranslator(RunnableSerializable[str, str], Connection):
    """Translate between English and Korean with Solar.

    Example::

        from langchain_solar import SolarTranslator

        to_korean = SolarTranslator(direction="en-ko")
        print(to_korean.invoke("The weather is nice today."))

    It prompts ``chat_model`` (the provider's current chat model) to translate; Upstage
    retired its translation models on 2025-06-09. ``model="solar-1-mini-translate-enko"``
    (or ``-koen``) sends the seed's request; where the host refuses it as retired, the
    chat model is prompted instead (one warning). ``model=`` names any other model.
    """

    direction: Literal["en-ko", "ko-en"] = "en-ko"
    model: str | None = None
    _model_words = (("chat_model",), "chat")

    chat_model: str = "solar-mini4"
    """The model prompted to translate; default: the provider's chat model."""
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)

    _translator: Translator = PrivateAttr()
    _chats: dict[str, InnerChat] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _build_translator(self) -> Self:
        self._build()
        return self

    def _build(self) -> None:
        self._translator = Translator(
            TranslationPlan(
                direction=self.direction,
                provider=self.provider_name,
                model=self.model,
                chat_model=self.chat_model,
                temperature=self.temperature,
                max_tokens=self.max_tokens,
            ),
            base_url=self._client.base_url,
        )

    def _inner(self, model: str) -> InnerChat:
        chats: dict[str, InnerChat] | None = getattr(self, "_chats", None)  # unset after a load
        if chats is None:
            chats = self._chats = {}
        chat = chats.get(model)
        if chat is None or chat.model.client is not self.client:
            chat = chats[model] = InnerChat(self, model)
        return chat

    def translate(self, text: str, config: RunnableConfig | None = None) -> str:
        """The translation; the model call is a run under `config`'s callbacks."""
        cfg = config or {}
        return self._translator.translate(lambda r: self._inner(r.model).invoke(r, cfg), text)

    async def atranslate(self, text: str, config: RunnableConfig | None = None) -> str:
        cfg = config or {}

        async def call(request: ChatCompletionRequest) -> str:
            return await self._inner(request.model).ainvoke(request, cfg)

        return await self._translator.atranslate(call, text)

    def _translate_input(
        self, input: str, run_manager: CallbackManagerForChainRun, config: RunnableConfig
    ) -> str:
        return self.translate(input, child_config(config, run_manager))

    async def _atranslate_input(
        self, input: str, run_manager: AsyncCallbackManagerForChainRun, config: RunnableConfig
    ) -> str:
        return await self.atranslate(input, child_config(config, run_manager))

    def invoke(self, input: str, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return self._call_with_config(self._translate_input, input, config)

    async def ainvoke(self, input: str, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return await self._acall_with_config(self._atranslate_input, input, config)

    def stream(
        self, input: str, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[str]:
        """The translation's tokens as the model writes them."""
        yield from self._transform_stream_with_config(iter([input]), self._stream_text, config)

    async def astream(
        self, input: str, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        async def inputs() -> AsyncIterator[str]:
            yield input

        async for token in self._atransform_stream_with_config(
            inputs(), self._astream_text, config
        ):
            yield token

    def _stream_text(
        self, inputs: Iterator[str], run_manager: CallbackManagerForChainRun, config: RunnableConfig
    ) -> Iterator[str]:
        text = next(inputs)
        cfg = child_config(config, run_manager)
        yield from stream_from(
            lambda on_token: self._translator.translate(
                lambda r: self._inner(r.model).stream(r, cfg, on_token), text
            )
        )

    async def _astream_text(
        self,
        inputs: AsyncIterator[str],
        run_manager: AsyncCallbackManagerForChainRun,
        config: RunnableConfig,
    ) -> AsyncIterator[str]:
        text = ""
        async for item in inputs:
            text = item
        cfg = child_config(config, run_manager)

        async def run(on_token: Callable[[str], Awaitable[None]]) -> str:
            async def call(request: ChatCompletionRequest) -> str:
                return await self._inner(request.model).astream(request, cfg, on_token)

            return await self._translator.atranslate(call, text)

        async for token in astream_from(run):
            yield token

    def as_agent_tool(self) -> SolarTranslationTool:
        """This translator as a LangChain tool (bad input goes back to the agent)."""
        return SolarTranslationTool(translator=self)


class _TranslateArgs(BaseModel):
    text: str = Field(description="The text to translate.")


class SolarTranslationTool(BaseTool):
    """Translate text between English and Korean; wraps a `SolarTranslator`."""

    name: str = "solar_translate"
    description: str = "Translate a text between English and Korean."
    args_schema: type[BaseModel] = _TranslateArgs
    handle_tool_error: bool = True
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

    def _run(
        self, text: str, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> str:
        config: RunnableConfig = {"callbacks": run_manager.get_child()} if run_manager else {}
        with as_tool_error():
            return self.translator.invoke(text, config)

    async def _arun(
        self, text: str, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> str:
        config: RunnableConfig = {"callbacks": run_manager.get_child()} if run_manager else {}
        with as_tool_error():
            return await self.translator.ainvoke(text, config)
