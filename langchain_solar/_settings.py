"""What every LangChain class here shares besides its connection words (which are
`solar_api.integration.Connection`'s): serialization hooks, request fields, tracing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from langchain_core.language_models import LangSmithParams
from pydantic import BaseModel

from solar_api.integration import check_extra_fields, merge_call_fields, param_names
from solar_api.sampling import stop_list

__all__ = [
    "LangChainSerializable",
    "call_params",
    "check_model_kwargs",
    "langsmith_params",
    "set_fields",
]


class LangChainSerializable:
    """LangChain's serialization hooks for a model class here: serializable, namespaced by
    its module, the key named by its provider's variable (never its value).

    Listed before the LangChain base class, whose own hooks say "not serializable".
    """

    if TYPE_CHECKING:  # Connection's, which the classes also inherit

        @property
        def api_key_env(self) -> str: ...

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return cls.__module__.split(".")

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": self.api_key_env}


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
        ls["ls_stop"] = stop_list(stop)
    return ls
