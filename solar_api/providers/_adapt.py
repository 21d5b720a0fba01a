"""Adapting a request body to what a provider accepts, saying so.

A change that alters what the user asked for (a field dropped, moved into the text, or
asked for in words) is logged once per client at WARNING, naming the field and what was
sent instead; a change of spelling only (the same JSON schema in llama.cpp's form) is a
debug line.
"""

from __future__ import annotations

import logging
from typing import Any

from ._downgrade import DOWNGRADES, apply_downgrade
from ._presets import Provider

__all__ = ["adapt_body"]

logger = logging.getLogger("solar_api")


def _unsupported(provider: Provider, body: dict[str, Any]) -> set[str]:
    labels = set()
    if not provider.parallel_tool_calls:
        labels.add("parallel_tool_calls")
    if not provider.tool_choice:
        labels.add("tool_choice")
    if not provider.message_names:
        labels.add("name")
    if provider.max_tokens_field != "max_tokens":
        labels.add("max_tokens")
    if not provider.continuation:
        labels.add("continue")
    fmt = body.get("response_format")
    if not provider.json_object and isinstance(fmt, dict) and fmt.get("type") == "json_object":
        labels.add("response_format")
    return labels


# What is sent instead of each field a profile does not take (for the warning).
SENT_INSTEAD = {
    "stream_options": "the stream is sent without it (no usage reported)",
    "parallel_tool_calls": "the request without it",
    "tool_choice": "an instruction to call the tool ('none': no tools sent)",
    "max_tokens": "the same limit as max_completion_tokens",
    "response_format": "a system instruction to reply in JSON (quoting the schema)",
    "name": "each name moved into its message's text",
    "continue": "the open continue turn left out (the model answers as the assistant)",
}


def warn_adapted(
    warned: set[str] | None, where: str, labels: list[str], *, level: int = logging.WARNING
) -> None:
    """Log once per label and `warned` set: the field and what was sent instead."""
    fresh = [label for label in labels if warned is None or label not in warned]
    if not fresh:
        return
    if warned is not None:
        warned.update(fresh)
    for label in fresh:
        logger.log(
            level,
            "%s does not take %r; sent instead: %s",
            where,
            label,
            SENT_INSTEAD.get(label, "the request without it"),
        )


def adapt_body(
    body: dict[str, Any], provider: Provider, warned: set[str] | None = None
) -> dict[str, Any]:
    """`body` as `provider` takes it; `warned` keeps each adaptation's warning to once."""
    unsupported = _unsupported(provider, body)
    changed = [label for label, sent, _, _ in DOWNGRADES if label in unsupported and sent(body)]
    if changed:
        body = apply_downgrade(body, set(changed))
        warn_adapted(warned, f"provider {provider.name}", changed)
    if provider.default_max_tokens is not None and "max_tokens" not in body:
        body["max_tokens"] = provider.default_max_tokens
        logger.debug(
            "provider %s: max_tokens not set, capped at %d", provider.name, body["max_tokens"]
        )
    fmt = body.get("response_format")
    if (
        provider.json_schema_style == "llama_cpp"
        and isinstance(fmt, dict)
        and fmt.get("type") == "json_schema"
    ):
        schema = (fmt.get("json_schema") or {}).get("schema", {})
        body["response_format"] = {"type": "json_object", "schema": schema}
        logger.debug(
            "provider %s: response_format json_schema sent as json_object with its schema",
            provider.name,
        )
    if not provider.null_assistant_content:
        for message in body.get("messages") or ():
            if (
                message.get("role") == "assistant"
                and "content" in message
                and message["content"] is None
            ):
                message["content"] = ""
    tools = body.get("tools")
    if (
        not provider.tool_choice_required
        and body.get("tool_choice") == "required"
        and isinstance(tools, list)
        and len(tools) == 1
    ):
        # "Call a tool" with exactly one tool means "call this tool": the named form,
        # which the server does enforce.
        name = tools[0].get("function", {}).get("name")
        body["tool_choice"] = {"type": "function", "function": {"name": name}}
        logger.debug(
            "provider %s: tool_choice 'required' sent as the one tool, %s", provider.name, name
        )
    return body
