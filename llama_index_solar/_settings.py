"""Connection settings shared by every LlamaIndex class here, and the clients they build."""

from __future__ import annotations

from typing import Any, ClassVar

from llama_index.core.bridge.pydantic import model_validator

from solar_api._words import move_unknown_words
from solar_api.connection import Connection
from solar_api.providers._defaults import ModelKind, fill_default_model

__all__ = ["SolarConnection"]


class SolarConnection(Connection):
    """Where requests go and how: `solar_api.connection.Connection`'s words, the same as
    the LangChain classes take."""

    # The words a class's model is given by, and which provider default it takes.
    _model_words: ClassVar[tuple[tuple[str, ...], ModelKind] | None] = None
    # Where unknown constructor words go (with a warning); None: they are refused.
    _extra_words_into: ClassVar[str | None] = None

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
