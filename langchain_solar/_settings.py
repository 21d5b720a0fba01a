"""Connection settings shared by every LangChain class here, and the clients they build."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from langchain_core.language_models import LangSmithParams
from pydantic import BaseModel, model_validator

from solar_api._pickling import key_variable
from solar_api._words import (
    check_extra_fields,
    merge_call_fields,
    move_unknown_words,
    param_names,
)
from solar_api.connection import Connection
from solar_api.providers._defaults import ModelKind, fill_default_model

__all__ = [
    "LangChainSerializable",
    "SolarConnection",
    "call_params",
    "check_model_kwargs",
    "langsmith_params",
    "set_fields",
]


class SolarConnection(Connection):
    """Where requests go and how (`solar_api.connection.Connection`'s words), with the
    LangChain classes' handling of unknown words, default models and pickles."""

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


class LangChainSerializable:
    """LangChain's serialization hooks for a model class here: serializable, namespaced by
    its module, the key named by its provider's variable (never its value).

    Listed before the LangChain base class, whose own hooks say "not serializable".
    """

    _key_env: str

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return cls.__module__.split(".")

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": self._key_env}


def set_fields(values: dict[str, Any], model_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The request fields that are set (not None), then ``model_kwargs`` merged last."""
    return {k: v for k, v in values.items() if v is not None} | model_kwargs


def check_model_kwargs(owner: BaseModel, reserved: frozenset[str]) -> None:
    """``model_kwargs`` (then ``extra_body``, where the class has it) may add body fields,
    never shadow a parameter the class has, a field it sets (``reserved``) or each other."""
    check_extra_fields(
        type(owner).__name__,
        param_names(type(owner), reserved),
        [(name, getattr(owner, name, None)) for name in ("model_kwargs", "extra_body")],
    )


def call_params(
    owner: BaseModel,
    reserved: frozenset[str],
    defaults: dict[str, Any],
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    """The request fields of one call: ``defaults`` (the constructor's), then the call's
    arguments, its ``model_kwargs`` and ``extra_body`` merged at the top level (as
    ChatOpenAI's ``bind(extra_body=...)`` is), each key checked like the constructor's."""
    return {
        **defaults,
        **merge_call_fields(type(owner).__name__, param_names(type(owner), reserved), kwargs),
    }


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
