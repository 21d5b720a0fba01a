"""Pydantic v2 wire models: requests, responses and stream chunks, as the APIs send them.

Every model keeps fields a server adds (``extra="allow"``) instead of rejecting them, so
a provider's additions (llama.cpp's ``function_call``, ``reasoning_content``, NIM's
extras) reach the caller. Request models validate ranges, so bad input fails before
a request is sent.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from .sampling import SamplingParams

__all__ = [
    "AssistantMessage",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionRequest",
    "Choice",
    "ChunkChoice",
    "Completion",
    "CompletionChoice",
    "CompletionRequest",
    "Delta",
    "DeveloperMessage",
    "Embedding",
    "EmbeddingRequest",
    "EmbeddingResponse",
    "FunctionCall",
    "FunctionCallDelta",
    "Message",
    "ModelCard",
    "ModelList",
    "ResponseMessage",
    "StreamOptions",
    "SystemMessage",
    "ToolCall",
    "ToolCallDelta",
    "ToolMessage",
    "Usage",
    "UserMessage",
]


class WireModel(BaseModel):
    # defer_build: a model's validator is made when first used, so importing the package
    # does not pay for the ones a program never touches (measured in bench/).
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body: aliases applied, unset and None fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ResponseModel(WireModel):
    """A whole response body the clients parse (not a part of one, nor a stream chunk).

    Only these carry private attributes: pydantic runs a post-init step for every model
    instance that has any, which on each stream chunk's nested models was most of the
    parsing time (measured in bench/: the 5,000-chunk stream).
    """

    # The request id and rate-limit headers of the response this was parsed from
    # (solar_api.response_info.response_headers); never part of the body.
    _response_headers: dict[str, str] | None = PrivateAttr(default=None)


# ---------------------------------------------------------------- shared pieces


class FunctionCall(WireModel):
    name: str
    arguments: str = Field(description="The arguments as a JSON-encoded string.")

    @field_validator("arguments", mode="before")
    @classmethod
    def _encode_object_arguments(cls, value: Any) -> Any:
        # Some servers send the arguments as an object; the wire contract is a string.
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return "" if value is None else value


class ToolCall(WireModel):
    id: str
    type: str = "function"
    function: FunctionCall

    @classmethod
    def of(cls, id: str, name: str, arguments: Any) -> ToolCall:
        """A function tool call; arguments that are not a string are JSON-encoded.

        The one place the adapters turn their frameworks' tool calls into wire calls
        (``.to_wire()`` for the dict). Encoded here, not by FunctionCall's validator,
        so None stays ``"null"`` as before rather than becoming ``""``.
        """
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        return cls(id=id, function=FunctionCall(name=name, arguments=arguments))


class Usage(WireModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


# ---------------------------------------------------------------- request messages

Content = str | list[dict[str, Any]]


class SystemMessage(WireModel):
    role: Literal["system"] = "system"
    content: Content
    name: str | None = None


class DeveloperMessage(WireModel):
    """OpenAI's newer name for system instructions; a server that does not take the role
    (Upstage, per its live API in 2026-07) gets it as ``system`` (providers/capabilities.py)."""

    role: Literal["developer"] = "developer"
    content: Content
    name: str | None = None


class UserMessage(WireModel):
    role: Literal["user"] = "user"
    content: Content
    name: str | None = None


class AssistantMessage(WireModel):
    """An assistant turn. Julep's continuation is ``continue_=True`` with no content."""

    role: Literal["assistant"] = "assistant"
    content: Content | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    continue_: bool | None = Field(default=None, alias="continue")

    @model_serializer(mode="wrap")
    def _content_null_with_tool_calls(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        # A turn that only calls tools carries "content": null, as OpenAI's API and most
        # servers expect (some fail on a missing key); Julep's continuation has no content.
        if isinstance(data, dict) and "content" not in data and not self.continue_:
            data["content"] = None
        return data


class ToolMessage(WireModel):
    role: Literal["tool"] = "tool"
    content: Content
    tool_call_id: str
    name: str | None = None


Message = Annotated[
    SystemMessage | DeveloperMessage | UserMessage | AssistantMessage | ToolMessage,
    Field(discriminator="role"),
]


# ---------------------------------------------------------------- requests


class StreamOptions(WireModel):
    include_usage: bool = True


class _RequestParams(WireModel, SamplingParams):
    # temperature, top_p, max_tokens, the penalties and seed come from SamplingParams.
    model: str = Field(min_length=1)
    stop: str | list[str] | None = None
    n: int | None = Field(default=None, ge=1)
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    user: str | None = None


class ChatCompletionRequest(_RequestParams):
    messages: list[Message] = Field(min_length=1)
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    # Upstage's summarization model (seed 001).
    format: Literal["paragraph", "bullets", "auto"] | None = None
    length: Literal["short", "medium", "long", "auto"] | None = None


class CompletionRequest(_RequestParams):
    prompt: str | list[str]
    best_of: int | None = Field(default=None, ge=1)
    logprobs: int | None = Field(default=None, ge=0, le=5)
    echo: bool | None = None
    suffix: str | None = None


class EmbeddingRequest(WireModel):
    model: str = Field(min_length=1)
    input: str | list[str] = Field(min_length=1)
    encoding_format: Literal["float", "base64"] | None = None
    dimensions: int | None = Field(default=None, ge=1)


# ---------------------------------------------------------------- responses


class ResponseMessage(WireModel):
    role: str = "assistant"
    content: str | None = None
    tool_calls: list[ToolCall] | None = None


class Choice(WireModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletion(ResponseModel):
    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    choices: list[Choice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None
    # What the response's headers said (request id, a gateway's cost and routing; see
    # response_info.py), set by the client; not part of the body.
    _response_info: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def response_info(self) -> dict[str, Any]:
        """``request_id`` and ``litellm`` (``x-litellm-*`` headers) when the server sent them."""
        return self._response_info


class FunctionCallDelta(WireModel):
    name: str | None = None
    arguments: str | None = None

    @field_validator("arguments", mode="before")
    @classmethod
    def _encode_object_arguments(cls, value: Any) -> Any:
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value


class ToolCallDelta(WireModel):
    index: int = 0
    id: str | None = None
    type: str | None = None
    function: FunctionCallDelta | None = None


class Delta(WireModel):
    role: str | None = None
    content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(WireModel):
    index: int = 0
    delta: Delta = Field(default_factory=Delta)
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionChunk(WireModel):
    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None
    # Some servers put an error object in a stream that began with 200.
    error: Any = None


class CompletionChoice(WireModel):
    index: int = 0
    text: str = ""
    finish_reason: str | None = None
    logprobs: Any = None


class Completion(ResponseModel):
    """A `/completions` response or stream chunk (they share one shape)."""

    id: str = ""
    object: str = "text_completion"
    created: int = 0
    model: str = ""
    choices: list[CompletionChoice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None
    error: Any = None


class Embedding(WireModel):
    index: int = 0
    object: str = "embedding"
    # llama.cpp's server can return one vector per token (a list of lists) for some
    # models; it is kept as sent and the adapters decide what to do with it.
    embedding: list[float] | list[list[float]] | str


class EmbeddingResponse(ResponseModel):
    object: str = "list"
    data: list[Embedding]
    model: str = ""
    usage: Usage | None = None


class ModelCard(WireModel):
    id: str
    object: str = "model"
    created: int | None = None
    owned_by: str | None = None


class ModelList(ResponseModel):
    object: str = "list"
    data: list[ModelCard] = Field(default_factory=list)
