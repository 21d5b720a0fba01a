"""Adapting a request body to what a provider accepts, saying so in a debug log line.

Only changes that keep the meaning are made here: the same JSON schema spelled the way
the server understands it.
"""

from __future__ import annotations

import logging
from typing import Any

from .downgrade import DOWNGRADES, apply_downgrade
from .providers import Provider

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


def adapt_body(body: dict[str, Any], provider: Provider) -> dict[str, Any]:
    unsupported = _unsupported(provider, body)
    changed = [label for label, sent, _, _ in DOWNGRADES if label in unsupported and sent(body)]
    if changed:
        body = apply_downgrade(body, set(changed))
        logger.debug("provider %s does not take %s: adapted", provider.name, ", ".join(changed))
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
