"""Field aliases in `configurable_fields`, which LangChain matches by field name only."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["by_field_name"]


def by_field_name(cls: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """``{"model": ...}`` as ``{"model_name": ...}`` when ``model`` is an alias."""
    aliases = {f.alias: name for name, f in cls.model_fields.items() if f.alias}
    return {aliases.get(key, key): value for key, value in fields.items()}
