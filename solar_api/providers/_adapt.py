"""Adapting a request body to what a provider accepts, saying so.

A change that alters what the user asked for (a field dropped, moved into the text, or
asked for in words) is logged once per client at WARNING, naming the field and what was
sent instead; a change of spelling only (the same JSON schema in llama.cpp's form) is a
debug line.
"""

from __future__ import annotations

import logging
from typing import Any

from ._downgrade import apply_downgrade
from ._presets import Provider
from .capabilities import CAPABILITIES, Capability, capability

__all__ = ["adapt_body"]

logger = logging.getLogger("solar_api")


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
            _sent_instead(label),
        )


def _sent_instead(label: str) -> str:
    try:
        return capability(label).sent_instead
    except KeyError:
        return "the request without it"


def _adapted(cap: Capability, provider: Provider, body: dict[str, Any]) -> bool:
    """Whether `provider`'s profile lacks `cap` and `body` carries it."""
    if not cap.adapted_in_body or cap.supported is None or cap.supported(provider):
        return False
    return (cap.profile_sent or cap.sent)(body)


def adapt_body(
    body: dict[str, Any], provider: Provider, warned: set[str] | None = None
) -> dict[str, Any]:
    """`body` as `provider` takes it; `warned` keeps each adaptation's warning to once."""
    changed = [cap for cap in CAPABILITIES if _adapted(cap, provider, body)]
    if changed:
        body = apply_downgrade(body, {cap.label for cap in changed})
        where = f"provider {provider.name}"
        warn_adapted(warned, where, [c.label for c in changed if c.changes_meaning])
        # A change of spelling only: the same request as the server reads it.
        quiet = [c.label for c in changed if not c.changes_meaning]
        warn_adapted(None, where, quiet, level=logging.DEBUG)
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
    return body
