"""Connection settings shared by every LlamaIndex class here, and the clients they build."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
from llama_index.core.bridge.pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic import AliasChoices

from solar_api import AsyncSolarClient, SolarClient
from solar_api._factory import ClientOwner
from solar_api._words import move_unknown_words
from solar_api.providers import ProviderName
from solar_api.providers._defaults import ModelKind, fill_default_model
from solar_api.ratelimit import RateLimiter

__all__ = ["SolarConnection"]


class SolarConnection(ClientOwner, BaseModel):
    """Where requests go and how: the same words as the LangChain classes."""

    # Alternate names are validation aliases: type checkers and help() show the field's
    # own name (pydantic's dataclass_transform reads alias=).
    api_key: str | SecretStr | None = Field(
        default=None,
        exclude=True,
        repr=False,
        validation_alias=AliasChoices("api_key", "upstage_api_key"),
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "api_base", "upstage_api_base")
    )
    provider: ProviderName | None = None
    timeout: float | None = Field(
        default=None,
        gt=0,
        description="Seconds; default 60 (5 to connect).",
        validation_alias=AliasChoices("timeout", "request_timeout"),
    )
    max_retries: int = Field(default=2, ge=0)
    default_headers: dict[str, str] | None = None
    proxy: str | None = None
    """An HTTP(S) proxy URL; by default HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply."""
    verify: bool | str | None = None
    """TLS verification: on by default; False, or a CA bundle path for a private CA."""
    cert: str | tuple[str, str] | None = None
    """A client certificate: a PEM file, or (certificate, key) files."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    rate_limiter: RateLimiter | None = Field(
        default=None,
        exclude=True,
        description="A solar_api.ratelimit limiter (RedisRateLimiter is shared by every process).",
    )

    _client: SolarClient = PrivateAttr()
    _async_client: AsyncSolarClient = PrivateAttr()

    # hide_input_in_errors: a validation error must never print the given key.
    model_config = {
        "populate_by_name": True,
        "arbitrary_types_allowed": True,
        "hide_input_in_errors": True,
    }

    # The words a class's model is given by, and which provider default it takes.
    _model_words: ClassVar[tuple[tuple[str, ...], ModelKind] | None] = None
    # Where unknown constructor words go (with a warning); None: they are refused.
    _extra_words_into: ClassVar[str | None] = None

    @field_validator("api_key", mode="after")
    @classmethod
    def _secret_key(cls, value: str | SecretStr | None) -> SecretStr | None:
        return SecretStr(value) if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _unknown_words_and_default_model(cls, values: Any) -> Any:
        values = move_unknown_words(
            cls.__name__,
            values,
            cls.model_fields,
            into=cls._extra_words_into,
            also_accepted=("model_kwargs",) if cls._extra_words_into else (),
        )
        if cls._model_words is not None:
            values = fill_default_model(values, *cls._model_words)
        return values

    def __getstate__(self) -> dict[str, Any]:
        # The resolved provider and a given base URL travel; the key (re-read from the
        # provider's variable on load, where LlamaIndex's __setstate__ runs __init__
        # again) and the HTTP pools do not: see solar_api/_pickling.py.
        state = super().__getstate__()
        fields = {**state["__dict__"], **self._pickled_fields()}
        return {**state, "__dict__": fields, "__pydantic_private__": {}}
