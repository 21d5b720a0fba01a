"""The sampling (and caching) fields every request-building class shares, declared once.

The wire request models (``solar_api.types``), LangChain's ``ChatSolar`` and ``SolarLLM``
and LlamaIndex's ``Solar`` all take the same sampling knobs with the same bounds; they
inherit them from here so a bound or a description is changed in one place.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["SamplingParams"]


class SamplingParams(BaseModel):
    """Sampling fields, all optional: None means "not sent" (the server's default).

    ``stop`` and ``n`` are not here: their types differ between the classes (a bare
    string on the wire, lists in the adapters) or a class lacks them.
    """

    temperature: float | None = Field(
        default=None, ge=0, le=2, description="Sampling temperature, 0 to 2; higher is more random."
    )
    top_p: float | None = Field(
        default=None, ge=0, le=1, description="Nucleus sampling: the probability mass, 0 to 1."
    )
    max_tokens: int | None = Field(
        default=None, ge=1, description="The most tokens the reply may have."
    )
    frequency_penalty: float | None = Field(
        default=None, ge=-2, le=2, description="-2 to 2; positive discourages repeated tokens."
    )
    presence_penalty: float | None = Field(
        default=None, ge=-2, le=2, description="-2 to 2; positive encourages new topics."
    )
    seed: int | None = Field(
        default=None, description="For reproducible sampling, on servers that honour it."
    )
    prompt_cache_key: str | None = Field(
        default=None,
        description="Groups requests that share a prompt prefix for the server's prompt "
        "cache (OpenAI's field; Upstage caches prefixes and bills cached input at a "
        "fraction). Sent as given; a server that refuses it is learned and it is left out.",
    )

    def sampling_values(self) -> dict[str, Any]:
        """The sampling fields that are set (not None), for a request's parameters."""
        # SamplingParams.model_fields, not type(self)'s: only the shared fields.
        values = {name: getattr(self, name) for name in SamplingParams.model_fields}
        return {name: value for name, value in values.items() if value is not None}
