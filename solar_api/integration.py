"""What the framework adapters build on: the core's public integration layer.

``langchain_solar`` and ``llama_index_solar`` import from here (and from the core's other
public modules), never from a ``solar_api._*`` module: the layers are checked by
import-linter (``make lint``, the contracts in pyproject.toml). Everything here is plain
Python with no framework in it.

- `Connection`: the connection words every adapter class inherits; it builds and shares
  the clients, refuses or moves unknown words, fills in default models and pickles.
- Words: `move_unknown_words` (a constructor's unknown words into an extra-fields dict
  with a warning, or refused), `check_extra_fields` (``model_kwargs``/``extra_body`` may
  not shadow a parameter), `merge_call_fields` (one call's extra fields), `param_names`.
- Progress: `SummaryProgress` and `TextProgress`, the summarizer's progress reports.
- `lazy_exports`: a package ``__getattr__`` importing its classes on first use.
- `ALSO`: the default of an alternate constructor name declared for type checkers
  (see ``_init_typing.py``).

Example::

    from solar_api.integration import Connection

    class MyModel(Connection):
        _model_words = (("model",), "chat")
        model: str

    MyModel(base_url="http://127.0.0.1:8080/v1").model  # the provider's default chat model
"""

from __future__ import annotations

from ._init_typing import ALSO
from ._lazy import lazy_exports
from ._words import check_extra_fields, merge_call_fields, move_unknown_words, param_names
from .connection import Connection
from .tasks._progress import SummaryProgress, TextProgress

__all__ = [
    "ALSO",
    "Connection",
    "SummaryProgress",
    "TextProgress",
    "check_extra_fields",
    "lazy_exports",
    "merge_call_fields",
    "move_unknown_words",
    "param_names",
]
