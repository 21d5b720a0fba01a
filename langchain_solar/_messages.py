"""LangChain messages <-> the chat-completions wire format, both ways."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolCall,
    ToolCallChunk,
    ToolMessage,
    convert_to_openai_data_block,
    is_data_content_block,
)
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk

from solar_api.types import ChunkChoice, ResponseMessage, Usage
from solar_api.types import ToolCall as WireToolCall

__all__ = [
    "chunk_to_message",
    "julep_continuation",
    "message_to_wire",
    "messages_to_wire",
    "response_to_message",
    "usage_to_metadata",
]

# "developer" is sent as such; a server that does not take it (Upstage) gets "system",
# with a warning (solar_api.providers.capabilities).
_ROLES = {"system", "developer", "user", "assistant", "tool"}
# ChatMessage(role=...) spellings other integrations accept.
_ROLE_ALIASES = {"human": "user", "ai": "assistant"}


def julep_continuation(name: str | None = None) -> AIMessage:
    """The assistant turn Julep continues (seed 004): ``continue: true``, no content.

    Example::

        from langchain_core.messages import HumanMessage, SystemMessage
        from langchain_solar import ChatSolar, julep_continuation

        llm = ChatSolar(provider="julep", model="julep-ai/samantha-1-turbo")
        llm.invoke([
            SystemMessage("Samantha is talking to Homer", name="situation"),
            HumanMessage("Hi, how's it going?", name="Homer"),
            julep_continuation("Samantha"),
        ])
    """
    return AIMessage(content="", name=name, additional_kwargs={"continue": True})


# Blocks of an assistant turn that are not its content, left out without a word:
# reasoning (sent back only as reasoning_content, with include_reasoning) and tool calls
# (sent as tool_calls, from message.tool_calls).
_NOT_CONTENT = frozenset(
    {
        "reasoning",
        "thinking",
        "redacted_thinking",
        "tool_use",
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "function_call",
    }
)


def _text_of(content: str | list[Any], where: str, *, quiet: frozenset[str] = frozenset()) -> str:
    """The text of a message whose content is sent as a string (assistant and tool turns).

    Text blocks are joined with newlines, so their boundaries survive ("result A" and
    "result B" are two lines, not "result Aresult B"); any other block is left out with a
    warning naming it and `where` (which message), unless its type is in `quiet`.
    """
    if isinstance(content, str):
        return content
    parts = []
    left_out = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
        else:
            kind = block.get("type") if isinstance(block, dict) else type(block).__name__
            if kind not in quiet:
                left_out.append(repr(kind))
    if left_out:
        warnings.warn(
            f"{where}: left out {', '.join(left_out)} content block(s); this message's content "
            "is sent as text, so only its text blocks are sent",
            UserWarning,
            stacklevel=2,
        )
    return "\n".join(parts)


def _user_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    blocks: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            blocks.append({"type": "text", "text": block})
        elif isinstance(block, dict):
            if block.get("type") == "text":
                blocks.append({"type": "text", "text": block.get("text", "")})
            elif is_data_content_block(block):
                blocks.append(convert_to_openai_data_block(block))
            else:
                blocks.append(block)  # already OpenAI-shaped (image_url, input_audio, ...)
        else:
            raise TypeError(f"message content: unsupported block {block!r}")
    return blocks


def _tool_call_to_wire(
    call: ToolCall | InvalidToolCall, raw_by_id: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    raw = raw_by_id.get(call.get("id") or "")
    if raw is not None and _same_arguments(raw, call):
        # Send back the server's own arguments string, byte for byte (prompt caches,
        # servers that compare history), unless the caller changed the call.
        return raw
    return WireToolCall.of(call.get("id") or "", call.get("name") or "", call.get("args")).to_wire()


def _same_arguments(raw: dict[str, Any], call: ToolCall | InvalidToolCall) -> bool:
    fn = raw.get("function") or {}
    if fn.get("name") != call.get("name") or not isinstance(fn.get("arguments"), str):
        return False
    args = call.get("args")
    if isinstance(args, str):
        return bool(fn["arguments"] == args)
    try:
        return bool(json.loads(fn["arguments"]) == args)
    except ValueError:
        return False


def message_to_wire(
    message: BaseMessage, *, include_reasoning: bool = False, index: int | None = None
) -> dict[str, Any]:
    """One LangChain message as a chat-completions message dict.

    ``include_reasoning`` sends an assistant turn's ``reasoning_content`` back, for
    servers that want it in tool loops. ``index`` (its place in the list) names the
    message in a warning about a content block left out.
    """
    where = "messages" if index is None else f"messages[{index}]"
    where = f"{where} ({type(message).__name__})"
    out: dict[str, Any]
    if isinstance(message, HumanMessage):
        out = {"role": "user", "content": _user_content(message.content)}
    elif isinstance(message, AIMessage):
        out = {"role": "assistant"}
        raw_by_id = {
            raw["id"]: raw
            for raw in message.additional_kwargs.get("tool_calls") or ()
            if isinstance(raw, dict) and raw.get("id")
        }
        all_calls: list[ToolCall | InvalidToolCall] = [
            *message.tool_calls,
            *message.invalid_tool_calls,
        ]
        calls = [_tool_call_to_wire(c, raw_by_id) for c in all_calls]
        text = _text_of(message.content, where, quiet=_NOT_CONTENT)
        if calls:
            out["tool_calls"] = calls
        if message.additional_kwargs.get("continue"):
            out["continue"] = True
        reasoning = message.additional_kwargs.get("reasoning_content")
        if include_reasoning and isinstance(reasoning, str) and reasoning:
            out["reasoning_content"] = reasoning
        # An assistant turn that only calls tools or only asks to be continued has no content.
        if text or not (calls or out.get("continue")):
            out["content"] = text
    elif isinstance(message, SystemMessage):
        # langchain-openai's marker for a developer message written as a SystemMessage.
        role = (
            "developer"
            if message.additional_kwargs.get("__openai_role__") == "developer"
            else "system"
        )
        out = {"role": role, "content": _user_content(message.content)}
    elif isinstance(message, ToolMessage):
        content = message.content
        out = {
            "role": "tool",
            "content": content if isinstance(content, str) else _tool_content(content, where),
            "tool_call_id": message.tool_call_id,
        }
    elif isinstance(message, ChatMessage):
        role = _ROLE_ALIASES.get(message.role, message.role)
        if role not in _ROLES:
            raise ValueError(
                f"ChatMessage.role: got {message.role!r}; expected one of "
                f"{', '.join(sorted(_ROLES | set(_ROLE_ALIASES)))}"
            )
        out = {"role": role, "content": _user_content(message.content)}
    else:
        raise TypeError(
            f"messages: {type(message).__name__} is not supported; use SystemMessage, "
            "HumanMessage, AIMessage, ToolMessage or ChatMessage"
        )
    if message.name:
        out["name"] = message.name
    return out


def _tool_content(content: list[Any], where: str) -> str:
    if not any(_is_text(block) for block in content):
        # No text at all (a structured result): the blocks as JSON, all of them.
        return json.dumps(content, ensure_ascii=False, default=str)
    return _text_of(content, where)


def _is_text(block: Any) -> bool:
    return isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text")


def messages_to_wire(
    messages: Sequence[BaseMessage], *, include_reasoning: bool = False
) -> list[dict[str, Any]]:
    if not messages:
        raise ValueError("messages: got an empty list; at least one message is required")
    return [
        message_to_wire(m, include_reasoning=include_reasoning, index=i)
        for i, m in enumerate(messages)
    ]


def _reasoning_alias(extra: dict[str, Any]) -> dict[str, Any]:
    # Servers call it reasoning_content (DeepSeek, vLLM) or reasoning (OpenRouter, Ollama);
    # langchain-core reads reasoning_content into a "reasoning" content block.
    if isinstance(extra.get("reasoning"), str) and "reasoning_content" not in extra:
        extra["reasoning_content"] = extra.pop("reasoning")
    return extra


def usage_to_metadata(usage: Usage) -> UsageMetadata:
    meta = UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens or usage.prompt_tokens + usage.completion_tokens,
    )
    extra = usage.model_extra or {}
    cached = (extra.get("prompt_tokens_details") or {}).get("cached_tokens")
    if cached is not None:
        meta["input_token_details"] = InputTokenDetails(cache_read=cached)
    reasoning = (extra.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if reasoning is not None:
        meta["output_token_details"] = OutputTokenDetails(reasoning=reasoning)
    return meta


def _parse_tool_calls(
    message: ResponseMessage,
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for raw in message.tool_calls or ():
        text = raw.function.arguments
        try:
            args = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            invalid.append(
                invalid_tool_call(
                    name=raw.function.name, args=text, id=raw.id, error=f"invalid JSON: {exc}"
                )
            )
            continue
        if not isinstance(args, dict):
            invalid.append(
                invalid_tool_call(
                    name=raw.function.name,
                    args=text,
                    id=raw.id,
                    error=f"arguments must be a JSON object, got {type(args).__name__}",
                )
            )
            continue
        calls.append(tool_call(name=raw.function.name, args=args, id=raw.id))
    return calls, invalid


def response_to_message(
    message: ResponseMessage, *, response_metadata: dict[str, Any]
) -> AIMessage:
    """The reply as an AIMessage. Its ``id`` is left to langchain-core, which derives it
    from the run (distinct per call and per generation); the server's completion id is
    ``response_metadata["id"]``: servers and gateways that repeat ids would otherwise
    make LangGraph's ``add_messages`` merge different turns."""
    calls, invalid = _parse_tool_calls(message)
    # Fields the server adds (reasoning_content, llama.cpp's function_call...) are kept.
    additional = _reasoning_alias(dict(message.model_extra or {}))
    if message.tool_calls:
        additional["tool_calls"] = [c.to_wire() for c in message.tool_calls]
        # llama.cpp repeats the first call in the deprecated function_call field.
        additional.pop("function_call", None)
    return AIMessage(
        content=message.content or "",
        tool_calls=calls,
        invalid_tool_calls=invalid,
        additional_kwargs=additional,
        response_metadata=response_metadata,
    )


def chunk_to_message(choice: ChunkChoice) -> AIMessageChunk:
    delta = choice.delta
    chunks: list[ToolCallChunk] = []
    for tc in delta.tool_calls or ():
        fn = tc.function
        chunks.append(
            tool_call_chunk(
                name=fn.name if fn else None,
                args=fn.arguments if fn else None,
                id=tc.id,
                index=tc.index,
            )
        )
    extra = _reasoning_alias(dict(delta.model_extra)) if delta.model_extra else {}
    # Deprecated duplicates of tool_calls (llama.cpp) or nulls would only add noise when
    # chunks are merged.
    if chunks or extra.get("function_call") is None:
        extra.pop("function_call", None)
    return AIMessageChunk(
        content=delta.content or "",
        tool_call_chunks=chunks,
        additional_kwargs=extra,
    )
