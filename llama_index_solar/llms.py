"""`Solar`: Solar (and any OpenAI-compatible host) as a LlamaIndex function-calling LLM."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    astream_completion_response_to_chat_response,
    chat_to_completion_decorator,
    completion_response_to_chat_response,
    stream_chat_to_completion_decorator,
    stream_completion_response_to_chat_response,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr, model_validator
from llama_index.core.constants import DEFAULT_NUM_OUTPUTS
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from pydantic_core import from_json

from solar_api import get_model_info
from solar_api.integration import Connection, check_extra_fields, merge_call_fields, param_names
from solar_api.response_info import response_info
from solar_api.sampling import ChatParams, StopList
from solar_api.tasks.tokens import EstimatedTokens, TokenCounter, token_counter
from solar_api.tool_choice import resolve_tool_choice
from solar_api.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
)

from ._messages import (
    ToolCallAccumulator,
    assistant_message,
    messages_to_wire,
    response_to_message,
    usage_kwargs,
)
from .chatml import chatml_prompt

if TYPE_CHECKING:
    from dataclasses import InitVar

    from llama_index.core.tools.types import BaseTool

    from solar_api.integration import ALSO

__all__ = ["Solar"]


class Solar(FunctionCallingLLM, Connection, ChatParams):
    """Upstage Solar chat models, and any OpenAI-compatible server, in LlamaIndex.

    Example::

        from llama_index.core.llms import ChatMessage
        from llama_index_solar import Solar

        llm = Solar(model="solar-mini4")  # reads UPSTAGE_API_KEY
        print(llm.complete("Say hi in Korean."))
        for r in llm.stream_chat([ChatMessage(role="user", content="Count to 3")]):
            print(r.delta, end="")

        # In a query engine or an agent
        from llama_index.core import Settings
        Settings.llm = Solar(base_url="http://127.0.0.1:8080/v1")  # a local server

    The same constructor words as ``ChatSolar``: ``provider`` (``upstage``,
    ``nvidia``, ``julep``, ``openai_compatible``), ``api_key``, ``base_url`` (alias
    ``api_base``), ``timeout``, ``max_retries``, ``default_headers``.
    """

    _model_words = (("model",), "chat")
    _extra_words_into = "additional_kwargs"
    _also_accepted = ("model_kwargs",)

    model: str = Field(
        default="solar-mini4", description="The model name; default: the provider's."
    )
    # temperature, max_tokens, top_p, the penalties and seed: from SamplingParams.
    stop: StopList = None
    # logprobs, top_logprobs, logit_bias, reasoning_effort, top_k: from ChatParams.
    response_format: dict[str, Any] | None = Field(
        default=None, description='Sent as is, e.g. {"type": "json_object"}.'
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra request-body fields, merged last (an extra_body dict in it at the "
        "top level, as OpenAILike does); per call, extra_body= and model_kwargs= likewise.",
    )
    if TYPE_CHECKING:  # also accepted as model_kwargs (see solar_api._init_typing)
        _also_model_kwargs: InitVar[dict[str, Any] | None] = Field(
            default=ALSO, alias="model_kwargs"
        )
    tokenizer: str | None = Field(
        default=None,
        description="A tokenizer.json for exact token counts; otherwise a calibrated estimate.",
    )
    send_reasoning: bool | None = Field(
        default=None,
        description="Send thinking blocks back as reasoning_content; None: the provider decides.",
    )
    stream_usage: bool | None = Field(
        default=None, description="Ask for usage on streams; None: the provider's default."
    )
    context_window: int | None = Field(
        default=None, description="Overrides the registry's context window."
    )
    is_chat_model: bool | None = Field(default=None, description="Overrides the registry.")
    is_function_calling_model: bool | None = Field(
        default=None, description="Overrides the registry."
    )

    _counter: TokenCounter = PrivateAttr(default_factory=EstimatedTokens)

    model_config = {"populate_by_name": True, "arbitrary_types_allowed": True}

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, values: Any) -> Any:
        if isinstance(values, dict):
            if "model_kwargs" in values and "additional_kwargs" not in values:
                values = {**values, "additional_kwargs": values.pop("model_kwargs")}
            if values.get("messages_to_prompt") is None:
                # Completion models (Julep's samantha) read ChatML (seed 004).
                values = {**values, "messages_to_prompt": chatml_prompt}
        return values

    @model_validator(mode="after")
    def _check_extras(self) -> Solar:
        extras = dict(self.additional_kwargs)
        extra_body = extras.pop("extra_body", None)
        check_extra_fields(
            "Solar",
            self._param_names(),
            [("additional_kwargs", extras), ("additional_kwargs['extra_body']", extra_body)],
        )
        self._counter = token_counter(self.tokenizer)
        return self

    def count_tokens(self, text: str) -> int:
        """Tokens in `text`, offline: exact with ``tokenizer=``, else the estimate."""
        return self._counter.count(text)

    def get_tokenizer(self) -> Callable[[str], list[int]]:
        """For ``Settings.tokenizer``: text to token ids (placeholder ids of the right
        length when counting by estimate)."""
        return self._counter.encode

    @classmethod
    def class_name(cls) -> str:
        return "Solar_LLM"

    @property
    def metadata(self) -> LLMMetadata:
        info = get_model_info(self.model)
        return LLMMetadata(
            context_window=self.context_window or info.context_window,
            num_output=self.max_tokens or DEFAULT_NUM_OUTPUTS,
            is_chat_model=self.is_chat_model if self.is_chat_model is not None else info.chat,
            is_function_calling_model=(
                self.is_function_calling_model
                if self.is_function_calling_model is not None
                else info.tool_calling
            ),
            model_name=self.model,
            system_role=MessageRole.SYSTEM,
        )

    # -- request building -------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> frozenset[str]:
        return param_names(cls, _SET_BY_SOLAR)

    def _params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = {
            "model": self.model,
            **self.sampling_values(),
            "stop": self.stop or None,
            **self.chat_values(),
            "response_format": self.response_format,
        }
        out = {k: v for k, v in params.items() if v is not None}
        # additional_kwargs={"extra_body": {...}} and a call's extra_body= / model_kwargs=
        # reach the body at the top level, as OpenAILike's (the openai SDK's) extra_body.
        extras = dict(self.additional_kwargs)
        extra_body = extras.pop("extra_body", None)
        out.update(extras)
        out.update(extra_body or {})
        out.update(merge_call_fields("Solar", self._param_names(), kwargs))
        return out

    def _chat_request(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
    ) -> ChatCompletionRequest:
        params = self._params(kwargs)
        for key in ("stream", "stream_options", "use_chat_completions"):
            params.pop(key, None)
        reasoning = self.send_reasoning
        if reasoning is None:
            reasoning = self._client.provider.echo_reasoning
        return ChatCompletionRequest(
            messages=messages_to_wire(messages, include_reasoning=reasoning), **params
        )

    def _completion_request(self, prompt: str, kwargs: dict[str, Any]) -> CompletionRequest:
        params = self._params(kwargs)
        for key in ("stream", "stream_options", "use_chat_completions", "formatted"):
            params.pop(key, None)
        return CompletionRequest(prompt=prompt, **params)

    def _use_chat(self, kwargs: dict[str, Any]) -> bool:
        use = kwargs.pop("use_chat_completions", None)
        return bool(use) if use is not None else self.metadata.is_chat_model

    @staticmethod
    def _chat_response(response: ChatCompletion) -> ChatResponse:
        if not response.choices:
            raise ValueError("The server returned a chat completion with no choices.")
        choice = response.choices[0]
        return ChatResponse(
            message=response_to_message(choice.message),
            raw=response,
            additional_kwargs={
                **usage_kwargs(response.usage),
                "finish_reason": choice.finish_reason,
                # request_id, and a gateway's cost and routing (x-litellm-* headers)
                **response.response_info,
            },
        )

    @staticmethod
    def _completion_response(response: Completion) -> CompletionResponse:
        text = response.choices[0].text if response.choices else ""
        return CompletionResponse(
            text=text, raw=response, additional_kwargs=usage_kwargs(response.usage)
        )

    # -- chat ---------------------------------------------------------------------------
    # On a completion model (metadata.is_chat_model False) chat renders the messages with
    # messages_to_prompt (ChatML by default) and posts to /completions: LlamaIndex's
    # contract for completion LLMs.
    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        if not self._use_chat(kwargs):
            prompt = self._render_prompt(messages)
            return completion_response_to_chat_response(self._complete(prompt, kwargs))
        return self._chat_response(self._client.chat(self._chat_request(messages, kwargs)))

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        if not self._use_chat(kwargs):
            prompt = self._render_prompt(messages)
            return completion_response_to_chat_response(await self._acomplete(prompt, kwargs))
        response = await self._async_client.chat(self._chat_request(messages, kwargs))
        return self._chat_response(response)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        if not self._use_chat(kwargs):
            prompt = self._render_prompt(messages)
            return stream_completion_response_to_chat_response(
                self._stream_complete(prompt, kwargs)
            )
        request = self._chat_request(messages, kwargs)

        def gen() -> Generator[ChatResponse, None, None]:
            state = _ChatStreamState()
            with self._client.chat_stream(request, include_usage=self.stream_usage) as stream:
                state.info = response_info(stream.response.headers)
                for chunk in stream:
                    yield state.feed(chunk)

        return gen()

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        if not self._use_chat(kwargs):
            prompt = self._render_prompt(messages)
            return astream_completion_response_to_chat_response(
                self._astream_complete(prompt, kwargs)
            )
        request = self._chat_request(messages, kwargs)

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            state = _ChatStreamState()
            stream = await self._async_client.chat_stream(request, include_usage=self.stream_usage)
            async with stream:
                state.info = response_info(stream.response.headers)
                async for chunk in stream:
                    yield state.feed(chunk)

        return gen()

    # -- completion ---------------------------------------------------------------------
    # use_chat_completions=True is passed on to chat, so a completion model asked to
    # complete over chat does not render the prompt back into ChatML.
    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        if self._use_chat(kwargs):
            return chat_to_completion_decorator(self.chat)(
                prompt, use_chat_completions=True, **kwargs
            )
        return self._complete(prompt, kwargs)

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        if self._use_chat(kwargs):
            return await achat_to_completion_decorator(self.achat)(
                prompt, use_chat_completions=True, **kwargs
            )
        return await self._acomplete(prompt, kwargs)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        if self._use_chat(kwargs):
            return stream_chat_to_completion_decorator(self.stream_chat)(
                prompt, use_chat_completions=True, **kwargs
            )
        return self._stream_complete(prompt, kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        if self._use_chat(kwargs):
            return await astream_chat_to_completion_decorator(self.astream_chat)(
                prompt, use_chat_completions=True, **kwargs
            )
        return self._astream_complete(prompt, kwargs)

    def _render_prompt(self, messages: Sequence[ChatMessage]) -> str:
        return (self.messages_to_prompt or chatml_prompt)(messages)

    # /completions itself, without callbacks (the public methods fire them).
    def _complete(self, prompt: str, kwargs: dict[str, Any]) -> CompletionResponse:
        return self._completion_response(
            self._client.complete(self._completion_request(prompt, kwargs))
        )

    async def _acomplete(self, prompt: str, kwargs: dict[str, Any]) -> CompletionResponse:
        response = await self._async_client.complete(self._completion_request(prompt, kwargs))
        return self._completion_response(response)

    def _stream_complete(self, prompt: str, kwargs: dict[str, Any]) -> CompletionResponseGen:
        request = self._completion_request(prompt, kwargs)

        def gen() -> Generator[CompletionResponse, None, None]:
            state = _CompletionStreamState()
            with self._client.complete_stream(request, include_usage=self.stream_usage) as stream:
                for chunk in stream:
                    yield state.feed(chunk)

        return gen()

    def _astream_complete(self, prompt: str, kwargs: dict[str, Any]) -> CompletionResponseAsyncGen:
        request = self._completion_request(prompt, kwargs)

        async def gen() -> AsyncGenerator[CompletionResponse, None]:
            state = _CompletionStreamState()
            stream = await self._async_client.complete_stream(
                request, include_usage=self.stream_usage
            )
            async with stream:
                async for chunk in stream:
                    yield state.feed(chunk)

        return gen()

    # -- tools --------------------------------------------------------------------------
    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        specs = [t.metadata.to_openai_tool(skip_length_check=True) for t in tools]
        if strict is not None:
            for spec in specs:
                spec["function"]["strict"] = strict
        messages = list(chat_history or [])
        if isinstance(user_msg, str):
            user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
        if user_msg is not None:
            messages.append(user_msg)
        out: dict[str, Any] = {"messages": messages, **kwargs}
        if specs:
            out["tools"] = specs
            names = [s["function"]["name"] for s in specs]
            choice = _resolve_tool_choice(tool_choice, tool_required, names)
            if choice is not None:
                out["tool_choice"] = choice
        return out

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        # LlamaIndex's contract: without allow_parallel_tool_calls, keep the first call.
        if not allow_parallel_tool_calls:
            first_seen = False
            kept = []
            for block in response.message.blocks:
                if isinstance(block, ToolCallBlock):
                    if first_seen:
                        continue
                    first_seen = True
                kept.append(block)
            response.message = assistant_message(kept, response.message.additional_kwargs)
        return response

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        **kwargs: Any,
    ) -> list[ToolSelection]:
        calls = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
        if not calls:
            if error_on_no_tool_call:
                raise ValueError("Expected at least one tool call, but the response has none.")
            return []
        selections = []
        for call in calls:
            args = call.tool_kwargs
            if isinstance(args, str):
                # Mid-stream the arguments are a JSON prefix: pydantic-core closes it
                # (strings included) so the streaming structured-output program sees
                # the fields filled so far.
                if response.additional_kwargs.get("finish_reason") == "length":
                    _check_complete(call.tool_name, args)
                try:
                    args = from_json(args, allow_partial="trailing-strings") if args.strip() else {}
                except ValueError:
                    args = {}
            selections.append(
                ToolSelection(
                    tool_id=call.tool_call_id or "",
                    tool_name=call.tool_name,
                    tool_kwargs=args if isinstance(args, dict) else {},
                )
            )
        return selections


def _check_complete(name: str, arguments: str) -> None:
    """A tool call whose reply hit the token limit: whole JSON, or an error saying so."""
    try:
        from_json(arguments)
    except ValueError:
        raise ValueError(
            f"The {name!r} tool call was cut off by the token limit (finish_reason=length) "
            "before its arguments were complete JSON; raise max_tokens or ask for less. "
            f"Received: {arguments[:200]!r}"
        ) from None


# Body fields Solar sets itself; additional_kwargs may add any other field.
_SET_BY_SOLAR = frozenset({"model", "messages", "prompt", "stream", "stream_options"})


def _resolve_tool_choice(
    choice: str | dict[str, Any] | None, required: bool, names: list[str]
) -> str | dict[str, Any] | None:
    # LlamaIndex's own spelling: no choice but tool_required=True; the rest is shared.
    if choice is None:
        return "required" if required else None
    return resolve_tool_choice(
        choice, names, expected="'auto', 'none', 'required' or one of the tools"
    )


class _CompletionStreamState:
    """Accumulates a /completions stream into LlamaIndex's running CompletionResponses."""

    def __init__(self) -> None:
        self.text = ""

    def feed(self, chunk: Completion) -> CompletionResponse:
        delta = chunk.choices[0].text if chunk.choices else ""
        self.text += delta
        return CompletionResponse(
            text=self.text, delta=delta, raw=chunk, additional_kwargs=usage_kwargs(chunk.usage)
        )


class _ChatStreamState:
    """Accumulates a chat stream into LlamaIndex's running ChatResponses."""

    def __init__(self) -> None:
        self.content = ""
        self.reasoning = ""
        self.calls = ToolCallAccumulator()
        self.usage: dict[str, Any] = {}
        self.finish_reason: str | None = None
        self.info: dict[str, Any] = {}  # from the response's headers (response_info.py)

    def feed(self, chunk: ChatCompletionChunk) -> ChatResponse:
        delta_text = ""
        thinking_delta = ""
        if chunk.usage is not None:
            self.usage = usage_kwargs(chunk.usage)
        if chunk.choices:
            choice = chunk.choices[0]
            delta = choice.delta
            delta_text = delta.content or ""
            self.content += delta_text
            extra = delta.model_extra or {}
            thinking = extra.get("reasoning_content") or extra.get("reasoning")
            if isinstance(thinking, str):
                thinking_delta = thinking
                self.reasoning += thinking
            if delta.tool_calls:
                self.calls.add(delta.tool_calls)
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
        blocks: list[Any] = []
        if self.reasoning:
            blocks.append(ThinkingBlock(content=self.reasoning))
        blocks.append(TextBlock(text=self.content))
        blocks.extend(self.calls.blocks())
        additional: dict[str, Any] = {**self.info, **self.usage}
        if self.finish_reason:
            additional["finish_reason"] = self.finish_reason
        if thinking_delta:
            additional["thinking_delta"] = thinking_delta
        return ChatResponse(
            message=assistant_message(blocks),
            delta=delta_text,
            raw=chunk,
            additional_kwargs=additional,
        )
