"""Who serves the models and what each server takes.

- ``_presets``: the provider presets (``PROVIDERS``) and how a base URL and key resolve;
- ``_registry``: the model registry (what each model is and which parameters it takes);
- ``_defaults``: the model a class uses when none is given;
- ``_adapt`` and ``_downgrade``: a request body adapted to what a profile or a server
  takes (the fixes), ``_model_params`` for a model's fixed parameter list;
- ``_learned``: what the process learned about each server, per base URL.
"""

from ._learned import LearnedCapabilities, forget_learned_capabilities, learned_capabilities
from ._presets import (
    PROVIDERS,
    Provider,
    ProviderName,
    ResolvedEndpoint,
    infer_provider,
    resolve_endpoint,
)
from ._registry import MODELS, ModelInfo, get_model_info, register_model

__all__ = [
    "MODELS",
    "PROVIDERS",
    "LearnedCapabilities",
    "ModelInfo",
    "Provider",
    "ProviderName",
    "ResolvedEndpoint",
    "forget_learned_capabilities",
    "get_model_info",
    "infer_provider",
    "learned_capabilities",
    "register_model",
    "resolve_endpoint",
]
