"""`SolarLLM`: the `/completions` endpoint (prompt in, text out) as a LangChain LLM."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, Self

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseLLM, LangSmithParams
from langchain_core.messages import BaseMessage
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from pydantic import Field, model_validator

from solar_api.integration import Connection
from solar_api.sampling import SamplingParams, StopList
from solar_api.tasks.chatml import render_chatml
from solar_api.types import Completion, CompletionRequest

from ._errors import langchain_errors
from ._messages import messages_to_wire
from ._settings import (
    LangChainSerializable,
    call_params,
    check_model_kwargs,
    langsmith_params,
    set_fields,
)

__all__ = ["SolarLLM", "chatml_prompt"]


def chatml_prompt(messages: Sequence[BaseMessage]) -> str:
    """Julep's ChatML prompt from LangChain messages (names become ``user (Homer)``).

    End with ``julep_continuation("Samantha")`` to leave Samantha's turn open.
    """
    return render_chatml(messages_to_wire(messages))


class SolarLLM(LangChainSerializable, BaseLLM, Connection, SamplingParams):
    """A completions model: Julep's samantha-1-turbo, or any server's `/completions`.

    Example::

        from langchain_core.messages import HumanMessage, SystemMessage
        from langchain_solar import SolarLLM, chatml_prompt, julep_continuation

        llm = SolarLLM(provider="julep", model="julep-ai/samantha-1-turbo", max_tokens=120)
        prompt = chatml_prompt([
            SystemMessage("Samantha is talking to Homer", name="situation"),
            HumanMessage("Hi, how's it going?", name="Homer"),
            julep_continuation("Samantha"),
        ])
        print(llm.invoke(prompt))
    """

    _model_words = (("model",), "completions")
    _extra_words_into = "model_kwargs"

    model: str = "julep-ai/samantha-1-turbo"
    """Default: the provider's completions model (Julep's samantha-1-turbo; a local or
    OpenAI-compatible server's default model); a provider without one asks for model=."""
    # max_tokens, temperature, top_p, the penalties and seed: from SamplingParams.
    stop: StopList = None
    n: int | None = Field(default=None, ge=1)
    best_of: int | None = Field(default=None, ge=1)
    logprobs: int | None = Field(default=None, ge=0, le=5)
    logit_bias: dict[str, int] | None = None
    top_k: int | None = Field(default=None, ge=1)
    """Sent as is, for servers that take it (vLLM, llama.cpp)."""
    streaming: bool = False
    stream_usage: bool | None = None
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request-body fields the package does not model; merged last, at the top level.
    Also per call (``invoke(..., model_kwargs=...)``, ``bind``), over these."""
    extra_body: dict[str, Any] | None = None
    """Like ``model_kwargs`` (ChatOpenAI's name for it), here and per call."""

    @model_validator(mode="after")
    def _check_extras(self) -> Self:
        check_model_kwargs(self, _REQUEST_FIELDS)
        return self

    @property
    def _llm_type(self) -> str:
        return "solar-completions"

    @property
    def _default_params(self) -> dict[str, Any]:
        return set_fields(
            {
                "model": self.model,
                **self.sampling_values(),
                "stop": self.stop or None,
                "n": self.n,
                "best_of": self.best_of,
                "logprobs": self.logprobs,
                "logit_bias": self.logit_bias,
                "top_k": self.top_k,
            },
            {**self.model_kwargs, **(self.extra_body or {})},
        )

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"provider": self.provider_name, "base_url": self.base_url, **self._default_params}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return langsmith_params(
            provider=self.provider_name,
            model_type="llm",
            params={**self._default_params, **kwargs},
            stop=stop,
        )

    def _request(
        self, prompt: str, stop: list[str] | None, kwargs: dict[str, Any]
    ) -> CompletionRequest:
        params = call_params(self, _REQUEST_FIELDS, self._default_params, kwargs)
        if stop is not None:
            params["stop"] = stop
        params.pop("stream", None)
        return CompletionRequest(prompt=prompt, **params)

    @staticmethod
    def _generations(response: Completion) -> list[Generation]:
        return [
            Generation(
                text=choice.text,
                generation_info={
                    "finish_reason": choice.finish_reason,
                    "logprobs": choice.logprobs,
                },
            )
            for choice in sorted(response.choices, key=lambda c: c.index)
        ]

    def _result(self, responses: list[Completion]) -> LLMResult:
        usage: dict[str, int] = {}
        for response in responses:
            if response.usage is not None:
                for key, value in response.usage.to_wire().items():
                    if isinstance(value, int):
                        usage[key] = usage.get(key, 0) + value
        return LLMResult(
            generations=[self._generations(r) for r in responses],
            llm_output={"token_usage": usage, "model_name": self.model},
        )

    @langchain_errors
    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        if self.streaming:
            generations = []
            for prompt in prompts:
                text = "".join(c.text for c in self._stream(prompt, stop, run_manager, **kwargs))
                generations.append([Generation(text=text)])
            return LLMResult(generations=generations, llm_output={"model_name": self.model})
        # One request per prompt: not every server takes a list of prompts.
        return self._result(
            [self._client.complete(self._request(p, stop, kwargs)) for p in prompts]
        )

    @langchain_errors
    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        responses = [
            await self._async_client.complete(self._request(p, stop, kwargs)) for p in prompts
        ]
        return self._result(responses)

    def _stream_request(
        self, prompt: str, stop: list[str] | None, kwargs: dict[str, Any]
    ) -> CompletionRequest:
        request = self._request(prompt, stop, kwargs)
        if (request.n or 1) > 1 or (request.best_of or 1) > 1:
            raise ValueError("n/best_of: streaming returns one completion, so both must be 1")
        return request

    @langchain_errors
    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        request = self._stream_request(prompt, stop, kwargs)
        with self._client.complete_stream(request, include_usage=self.stream_usage) as stream:
            for raw in stream:
                for chunk in _chunks(raw):
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk

    @langchain_errors
    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        request = self._stream_request(prompt, stop, kwargs)
        stream = await self._async_client.complete_stream(request, include_usage=self.stream_usage)
        async with stream:
            async for raw in stream:
                for chunk in _chunks(raw):
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk


# Body fields SolarLLM sets itself; model_kwargs and extra_body may add any other field.
_REQUEST_FIELDS = frozenset({"prompt", "stream", "stream_options"})


def _chunks(raw: Completion) -> list[GenerationChunk]:
    return [
        GenerationChunk(
            text=choice.text,
            generation_info={"finish_reason": choice.finish_reason}
            if choice.finish_reason
            else None,
        )
        for choice in raw.choices
    ]
