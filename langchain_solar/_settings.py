"""Connection settings shared by every LangChain class here, and the clients they build."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import httpx
from langchain_core.language_models import LangSmithParams
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)

from solar_api import AsyncSolarClient, SolarClient
from solar_api._factory import ClientOwner
from solar_api._pickling import key_variable
from solar_api._words import move_unknown_words
from solar_api.providers import ProviderName
from solar_api.providers._defaults import ModelKind, fill_default_model
from solar_api.ratelimit import RateLimiter

__all__ = ["SolarConnection", "check_model_kwargs", "langsmith_params", "set_fields"]


class SolarConnection(ClientOwner, BaseModel):
    """Where requests go and how: provider, URL, key, timeouts, retries, HTTP clients."""

    # hide_input_in_errors: a validation error must never print the given key.
    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, hide_input_in_errors=True
    )

    # Accepted alternate names are validation aliases, not aliases: type checkers and
    # help() then show the field's own name (pydantic's dataclass_transform reads alias=).
    api_key: str | SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("api_key", "upstage_api_key")
    )
    """Read from the provider's variable (``UPSTAGE_API_KEY``...) when not given; kept as
    a ``SecretStr``. Also accepted as ``upstage_api_key`` (ChatUpstage's name)."""
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "api_base", "upstage_api_base")
    )
    """Server URL; read from ``UPSTAGE_BASE_URL`` (or ``UPSTAGE_API_BASE``),
    ``NVIDIA_BASE_URL``, ``JULEP_BASE_URL``. Also ``api_base``/``upstage_api_base``."""
    provider: ProviderName | None = None
    """Inferred from ``base_url`` when not given; ``upstage`` without either."""
    timeout: float | httpx.Timeout | None = Field(
        default=None, validation_alias=AliasChoices("timeout", "request_timeout")
    )
    """Seconds (or an ``httpx.Timeout``); default 60 s, 5 s to connect."""
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
    rate_limiter: RateLimiter | None = Field(default=None, exclude=True)
    """A ``solar_api.ratelimit`` limiter (``RedisRateLimiter`` is shared by every process)."""

    _client: SolarClient = PrivateAttr()
    _async_client: AsyncSolarClient = PrivateAttr()

    @field_validator("api_key", mode="after")
    @classmethod
    def _secret_key(cls, value: str | SecretStr | None) -> SecretStr | None:
        return SecretStr(value) if isinstance(value, str) else value

    # The words a class's model is given by, and which kind of default it takes when
    # none is given (the provider's, see solar_api/defaults.py).
    _model_words: ClassVar[tuple[tuple[str, ...], ModelKind] | None] = None

    @model_validator(mode="before")
    @classmethod
    def _unknown_words_and_default_model(cls, values: Any) -> Any:
        into = "model_kwargs" if "model_kwargs" in cls.model_fields else None
        values = move_unknown_words(cls.__name__, values, cls.model_fields, into=into)
        if cls._model_words is not None:
            values = fill_default_model(values, *cls._model_words)
        return values

    @property
    def _key_env(self) -> str:
        """The variable a serialized object's key is read from on load."""
        return key_variable(self._client.provider)

    # Pickles keep the resolved provider and a given base URL, never the key (read again
    # from the provider's variable on load) or pools: see solar_api/_pickling.py.
    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        fields = {**state["__dict__"], **self._pickled_fields()}
        return {**state, "__dict__": fields, "__pydantic_private__": None}

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        self._connect()


def set_fields(values: dict[str, Any], model_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The request fields that are set (not None), then ``model_kwargs`` merged last."""
    return {k: v for k, v in values.items() if v is not None} | model_kwargs


def check_model_kwargs(owner: BaseModel, reserved: set[str]) -> None:
    """``model_kwargs`` may add body fields, never shadow a parameter the class has."""
    model_kwargs: dict[str, Any] = getattr(owner, "model_kwargs", {})
    clash = set(model_kwargs) & (set(type(owner).model_fields) | reserved)
    if clash:
        raise ValueError(
            f"model_kwargs: {sorted(clash)} are parameters of {type(owner).__name__}; pass "
            "them directly instead of through model_kwargs"
        )


def langsmith_params(
    *,
    provider: str,
    model_type: Literal["chat", "llm"],
    params: dict[str, Any],
    stop: list[str] | None,
) -> LangSmithParams:
    """LangSmith's ``ls_*`` tracing fields from the effective request parameters."""
    ls = LangSmithParams(
        ls_provider=provider, ls_model_name=str(params["model"]), ls_model_type=model_type
    )
    if (temperature := params.get("temperature")) is not None:
        ls["ls_temperature"] = temperature
    if (max_tokens := params.get("max_tokens")) is not None:
        ls["ls_max_tokens"] = max_tokens
    if stop := stop or params.get("stop"):
        ls["ls_stop"] = stop if isinstance(stop, list) else [stop]
    return ls
