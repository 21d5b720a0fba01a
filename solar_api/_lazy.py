"""Names a package exports but imports only when first used (PEP 562).

Why: ``import langchain_solar`` should cost what ChatSolar needs, not what the
summarizer, the completions LLM (which pulls in yaml and tenacity through LangChain's
BaseLLM) or the async client need. Measured in bench/ (the import targets).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``names[attr]`` (a submodule) on first use."""

    def __getattr__(attr: str) -> Any:
        module = names.get(attr)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {attr!r}")
        value = getattr(importlib.import_module(module, package), attr)
        globals_ = importlib.import_module(package).__dict__
        globals_[attr] = value  # later look-ups skip this function
        return value

    return __getattr__
