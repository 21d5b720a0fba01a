"""`ChatSolar`: Solar (and any OpenAI-compatible host) as a LangChain chat model."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, Self

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams, LanguageModelInput
from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import (
    Runnable,
    RunnableMap,
    RunnablePassthrough,
    RunnableSerializable,
)
from langchain_core.runnables.utils import AnyConfigurableField
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_function, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from solar_api import get_model_info
from solar_api.integration import Connection
from solar_api.response_info import kept_headers, request_id_of, response_headers, response_info
from solar_api.sampling import ChatParams, StopList
from solar_api.tasks.tokens import (
    EstimatedTokens,
    TokenCounter,
    count_message_tokens,
    token_counter,
)
from solar_api.tool_choice import resolve_tool_choice
from solar_api.types import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Usage

from ._configurable import by_field_name
from ._deferred import SignatureAfterBuild
from ._errors import langchain_errors
from ._messages import chunk_to_message, messages_to_wire, response_to_message, usage_to_metadata
from ._parsers import (
    TruncationAwareJsonParser,
    TruncationAwareKeyToolsParser,
    TruncationAwarePydanticParser,
    TruncationAwarePydanticToolsParser,
)
from ._profile import model_profile
from ._ratelimit import wrap_solar_limiter
from ._settings import (
    LangChainSerializable,
    call_params,
    check_model_kwargs,
    langsmith_params,
    set_fields,
)

if TYPE_CHECKING:
    from dataclasses import InitVar

    from solar_api.integration import ALSO

__all__ = ["ChatSolar"]

_ToolChoice = str | bool | dict[str, Any] | None


class ChatSolar(LangChainSerializable, BaseChatModel, Connection, ChatParams):
    """Upstage Solar chat models, and any OpenAI-compatible server, in LangChain.

    Setup: ``pip install "solar-integrations[langchain]"`` and set ``UPSTAGE_API_KEY``
    (or ``NVIDIA_API_KEY`` / ``JULEP_API_KEY`` with ``provider=``); a local server
    needs only ``base_url``.

    Example::

        from langchain_solar import ChatSolar

        llm = ChatSolar(model="solar-mini4", temperature=0)
        llm.invoke("Compose a haiku about recursion.")

        for chunk in llm.stream("Count to five."):
            print(chunk.content, end="")

        # Tools and structured output
        from pydantic import BaseModel

        class Weather(BaseModel):
            location: str
            unit: str

        llm.bind_tools([Weather], tool_choice="Weather").invoke("Weather in Seoul?")
        llm.with_structured_output(Weather).invoke("Paris, in celsius")

        # NVIDIA NIM, Julep or a local OpenAI-compatible server
        ChatSolar(provider="nvidia", model="upstage/solar-10.7b-instruct")
        ChatSolar(base_url="http://127.0.0.1:8080/v1")
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, defer_build=True)
    # help(ChatSolar) before the first instance (the build is deferred).
    __signature__ = SignatureAfterBuild()  # type: ignore[assignment]

    _model_words = (("model", "model_name"), "chat")
    _extra_words_into = "model_kwargs"

    model_name: str = Field(default="solar-mini4", alias="model")
    """Model name, e.g. ``solar-mini4``, ``solar-pro4``, ``upstage/solar-10.7b-instruct``;
    default: the provider's (``Provider.default_model``; ``solar-mini4`` on Upstage)."""
    # temperature, max_tokens, top_p, the penalties and seed: from SamplingParams.
    stop: StopList = Field(default=None, validation_alias=AliasChoices("stop", "stop_sequences"))
    if TYPE_CHECKING:  # the alternate names, for type checkers (see solar_api._init_typing)
        _also_model_name: InitVar[str | None] = Field(default=ALSO, alias="model_name")
        _also_stop_sequences: InitVar[list[str] | None] = Field(
            default=ALSO, alias="stop_sequences"
        )
    n: int | None = Field(default=None, ge=1)
    # logprobs, top_logprobs, logit_bias, reasoning_effort, top_k: from ChatParams.
    streaming: bool = False
    """Stream internally on ``invoke`` too (callbacks see every token)."""
    stream_usage: bool | None = None
    """Ask for token usage on streams (``stream_options``); None: the provider's default."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request-body fields the package does not model; merged last, at the top level.
    Also per call (``invoke(..., model_kwargs=...)``, ``bind``), over these."""
    extra_body: dict[str, Any] | None = None
    """Like ``model_kwargs`` (ChatOpenAI's name for it), here and per call (``bind``,
    ``invoke``, ``stream``): merged at the top level; a key that is a parameter or also
    set in the other is an error."""
    send_reasoning: bool | None = None
    """Send assistant ``reasoning_content`` back; None: the provider profile decides."""
    tokenizer: str | None = None
    """A ``tokenizer.json`` for exact token counts; without one, a calibrated estimate."""

    _counter: TokenCounter = PrivateAttr(default_factory=EstimatedTokens)

    @model_validator(mode="before")
    @classmethod
    def _client_side_limiter(cls, values: Any) -> Any:
        # rate_limiter= takes langchain-core's limiters and solar_api's (_ratelimit.py).
        return wrap_solar_limiter(values)

    @model_validator(mode="after")
    def _check_extras(self) -> Self:
        check_model_kwargs(self, _REQUEST_FIELDS)
        self._counter = token_counter(self.tokenizer)
        return self

    # -- LangChain metadata ---------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "solar-chat"

    @property
    def _default_params(self) -> dict[str, Any]:
        return set_fields(
            {
                "model": self.model_name,
                **self.sampling_values(),
                "stop": self.stop or None,
                "n": self.n,
                **self.chat_values(),
            },
            {**self.model_kwargs, **(self.extra_body or {})},
        )

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "provider": self.provider_name,
            "base_url": self.base_url,
            **self._default_params,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return langsmith_params(
            provider=self.provider_name,
            model_type="chat",
            params={**self._default_params, **kwargs},
            stop=stop,
        )

    # -- request building -------------------------------------------------------------
    def _request(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> ChatCompletionRequest:
        params = call_params(self, _REQUEST_FIELDS, self._default_params, kwargs)
        if stop is not None:
            params["stop"] = stop
        params.pop("stream", None)
        params.pop("stream_options", None)
        reasoning = self.send_reasoning
        if reasoning is None:
            reasoning = self._client.provider.echo_reasoning
        wire = messages_to_wire(messages, include_reasoning=reasoning)
        return ChatCompletionRequest(messages=wire, **params)

    def _create_chat_result(self, response: ChatCompletion) -> ChatResult:
        generations = []
        for choice in response.choices:
            meta = {
                "model_name": response.model or self.model_name,
                # langchain-core 1.x's standard key (ChatOpenAI: "openai"): the provider
                # resolved from provider=/base_url, as ls_provider says.
                "model_provider": self.provider_name,
                "finish_reason": choice.finish_reason,
                "id": response.id,
                "system_fingerprint": response.system_fingerprint,
                # request_id, and a gateway's cost and routing (x-litellm-* headers)
                **response.response_info,
            }
            if choice.logprobs is not None:
                meta["logprobs"] = choice.logprobs
            meta.update(_header_metadata(response_headers(response)))
            message = response_to_message(choice.message, response_metadata=meta)
            if response.usage is not None:
                message.usage_metadata = usage_to_metadata(response.usage)
            generations.append(
                ChatGeneration(
                    message=message, generation_info={"finish_reason": choice.finish_reason}
                )
            )
        llm_output = {
            "token_usage": response.usage.to_wire() if response.usage else {},
            "model_name": response.model or self.model_name,
            "system_fingerprint": response.system_fingerprint,
            "id": response.id,
        }
        return ChatResult(generations=generations, llm_output=llm_output)

    # -- generation ---------------------------------------------------------------------
    @langchain_errors
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
        response = self._client.chat(self._request(messages, stop, kwargs))
        return self._create_chat_result(response)

    @langchain_errors
    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return await agenerate_from_stream(self._astream(messages, stop, run_manager, **kwargs))
        response = await self._async_client.chat(self._request(messages, stop, kwargs))
        return self._create_chat_result(response)

    def _stream_request(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> tuple[ChatCompletionRequest, bool | None]:
        include_usage = kwargs.pop("stream_usage", self.stream_usage)
        request = self._request(messages, stop, kwargs)
        if request.n is not None and request.n > 1:
            raise ValueError(f"n: got {request.n}; streaming returns one choice, so n must be 1")
        return request, include_usage

    @langchain_errors
    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request, include_usage = self._stream_request(messages, stop, kwargs)
        assembler = _StreamAssembler(self.model_name, self.provider_name)
        with self._client.chat_stream(request, include_usage=include_usage) as stream:
            assembler.meta.update(_header_metadata(kept_headers(stream.response.headers)))
            assembler.meta.update(response_info(stream.response.headers))
            for raw in stream:
                for chunk in assembler.feed(raw):
                    if run_manager:
                        run_manager.on_llm_new_token(_token_text(chunk), chunk=chunk)
                    yield chunk
        last = assembler.finish()
        if run_manager:
            run_manager.on_llm_new_token("", chunk=last)
        yield last

    @langchain_errors
    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request, include_usage = self._stream_request(messages, stop, kwargs)
        assembler = _StreamAssembler(self.model_name, self.provider_name)
        stream = await self._async_client.chat_stream(request, include_usage=include_usage)
        assembler.meta.update(_header_metadata(kept_headers(stream.response.headers)))
        async with stream:
            assembler.meta.update(response_info(stream.response.headers))
            async for raw in stream:
                for chunk in assembler.feed(raw):
                    if run_manager:
                        await run_manager.on_llm_new_token(_token_text(chunk), chunk=chunk)
                    yield chunk
        last = assembler.finish()
        if run_manager:
            await run_manager.on_llm_new_token("", chunk=last)
        yield last

    # -- tools and structured output ----------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: _ToolChoice = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (LangChain tools, pydantic models, functions or OpenAI dicts).

        ``tool_choice``: ``"auto"``, ``"none"``, ``"any"``/``"required"``/``True`` (call
        some tool), a tool's name, or an OpenAI dict. ``tool_choice`` and
        ``parallel_tool_calls`` are sent only when set.
        """
        formatted = [convert_to_openai_tool(t, strict=strict) for t in tools]
        names = [t["function"]["name"] for t in formatted if "function" in t]
        if tool_choice is not None and tool_choice is not False:
            kwargs["tool_choice"] = _resolve_tool_choice(tool_choice, names)
        elif tool_choice is False:
            kwargs["tool_choice"] = "none"
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["function_calling", "json_mode", "json_schema"] = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Return output shaped like ``schema`` (a pydantic class, TypedDict or JSON schema).

        ``method``: ``function_calling`` (default; a forced tool call), ``json_schema``
        (``response_format`` with the schema) or ``json_mode`` (``json_object``; describe
        the shape in the prompt). ``include_raw=True`` returns
        ``{"raw", "parsed", "parsing_error"}`` and never raises on a parse failure.
        """
        if strict is not None and method == "json_mode":
            raise ValueError("strict: not supported with method='json_mode'")
        is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        output_parser: Runnable[Any, Any]
        if method == "function_calling":
            if schema is None:
                raise ValueError("schema: required with method='function_calling'")
            tool_name = convert_to_openai_tool(schema)["function"]["name"]
            llm = self.bind_tools(
                [schema],
                tool_choice=tool_name,
                strict=strict,
                ls_structured_output_format={
                    "kwargs": {"method": method, "strict": strict},
                    "schema": schema,
                },
                **kwargs,
            )
            output_parser = (
                TruncationAwarePydanticToolsParser(tools=[schema], first_tool_only=True)
                if is_pydantic
                else TruncationAwareKeyToolsParser(key_name=tool_name, first_tool_only=True)
            )
        elif method == "json_mode":
            llm = self.bind(
                response_format={"type": "json_object"},
                ls_structured_output_format={"kwargs": {"method": method}, "schema": schema},
                **kwargs,
            )
            output_parser = (
                TruncationAwarePydanticParser(pydantic_object=schema)  # type: ignore[arg-type,type-var]
                if is_pydantic
                else TruncationAwareJsonParser()
            )
        elif method == "json_schema":
            if schema is None:
                raise ValueError("schema: required with method='json_schema'")
            function = convert_to_openai_function(schema, strict=strict)
            json_schema = {
                "name": function["name"],
                "schema": function["parameters"],
                **({"description": function["description"]} if function.get("description") else {}),
                **({"strict": strict} if strict is not None else {}),
            }
            llm = self.bind(
                response_format={"type": "json_schema", "json_schema": json_schema},
                ls_structured_output_format={
                    "kwargs": {"method": method, "strict": strict},
                    "schema": convert_to_openai_tool(schema),
                },
                **kwargs,
            )
            output_parser = (
                TruncationAwarePydanticParser(pydantic_object=schema)  # type: ignore[arg-type,type-var]
                if is_pydantic
                else TruncationAwareJsonParser()
            )
        else:
            raise ValueError(
                f"method: got {method!r}; expected 'function_calling', 'json_mode' or 'json_schema'"
            )
        if include_raw:
            parser_assign = RunnablePassthrough.assign(
                parsed=itemgetter("raw") | output_parser, parsing_error=lambda _: None
            )
            parser_none = RunnablePassthrough.assign(parsed=lambda _: None)
            with_fallback = parser_assign.with_fallbacks(
                [parser_none], exception_key="parsing_error"
            )
            return RunnableMap(raw=llm) | with_fallback
        return llm | output_parser

    # -- token counting: offline, never a download ------------------------------------
    def get_token_ids(self, text: str) -> list[int]:
        if not self._counter.exact:
            raise NotImplementedError(
                "get_token_ids needs an exact tokenizer: pass tokenizer='path/to/tokenizer.json' "
                "(get_num_tokens works without one, as a calibrated estimate)"
            )
        return self._counter.encode(text)

    def get_num_tokens(self, text: str) -> int:
        return self._counter.count(text)

    def get_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        total = count_message_tokens(self._counter, messages_to_wire(messages))
        for tool in tools or ():
            total += self._counter.count(json.dumps(convert_to_openai_tool(tool)))
        return total

    # -- model information ---------------------------------------------------------------------
    def _resolve_model_profile(self) -> Any:
        # langchain-core >= 1.1 fills `profile` from this (before our clients exist).
        return model_profile(self.model_name, self.provider, self.base_url)

    def configurable_fields(
        self, **kwargs: AnyConfigurableField
    ) -> RunnableSerializable[LanguageModelInput, AIMessage]:
        """As LangChain's, also by a field's alias: ``configurable_fields(model=...)``."""
        return super().configurable_fields(**by_field_name(type(self), kwargs))

    @property
    def context_window(self) -> int:
        """The model's context window from the registry (defaults for unknown models)."""
        return get_model_info(self.model_name).context_window


# Body fields ChatSolar sets itself; model_kwargs may add any other field.
_REQUEST_FIELDS = frozenset({"model", "messages", "stream", "stream_options"})


def _resolve_tool_choice(
    choice: str | bool | dict[str, Any], names: list[str]
) -> str | dict[str, Any]:
    # LangChain's own spelling: True means "call some tool"; the rest is shared.
    if choice is True:
        return "required"
    if isinstance(choice, str | dict):
        return resolve_tool_choice(
            choice,
            names,
            expected="'auto', 'none', 'any', 'required', True, or one of the bound tools",
            none_bound="(none bound)",
        )
    raise ValueError(f"tool_choice: got {choice!r}; expected a string, bool or dict")


def _header_metadata(headers: dict[str, str]) -> dict[str, Any]:
    """``request_id`` and ``headers`` (request id and ``x-ratelimit-*``) for
    response_metadata; nothing when the server sent neither."""
    if not headers:
        return {}
    out: dict[str, Any] = {"headers": headers}
    if (request_id := request_id_of(headers)) is not None:
        out["request_id"] = request_id
    return out


def _token_text(chunk: ChatGenerationChunk) -> str:
    content = chunk.message.content
    return content if isinstance(content, str) else ""


class _StreamAssembler:
    """Turns wire chunks into LangChain chunks; usage is reported once, at the end.

    Servers differ on usage in streams (only a final chunk, or a running total on
    every chunk), so the last usage seen is the one reported, on the closing chunk.
    """

    def __init__(self, model_name: str, provider: str) -> None:
        self.model_name = model_name
        self.provider = provider
        self.usage: Usage | None = None
        self.meta: dict[str, Any] = {}

    def feed(self, raw: ChatCompletionChunk) -> list[ChatGenerationChunk]:
        if raw.usage is not None:
            self.usage = raw.usage
        if raw.model:
            self.meta["model_name"] = raw.model
        if raw.id:
            self.meta["id"] = raw.id
        if raw.system_fingerprint:
            self.meta["system_fingerprint"] = raw.system_fingerprint
        out = []
        for choice in raw.choices:
            message = chunk_to_message(choice)
            # On every chunk, as ChatOpenAI does (chunks merge equal values into one).
            message.response_metadata = {
                **message.response_metadata,
                "model_provider": self.provider,
            }
            info = None
            if choice.finish_reason:
                message.response_metadata["finish_reason"] = choice.finish_reason
                info = {"finish_reason": choice.finish_reason}
            out.append(ChatGenerationChunk(message=message, generation_info=info))
        return out

    def finish(self) -> ChatGenerationChunk:
        meta = {"model_name": self.model_name, "model_provider": self.provider, **self.meta}
        message = AIMessageChunk(
            content="",
            response_metadata=meta,
            usage_metadata=usage_to_metadata(self.usage) if self.usage else None,
            chunk_position="last",
        )
        return ChatGenerationChunk(message=message)
