"""Who serves the models and what each server takes.

- ``_presets``: the provider presets (``PROVIDERS``) and how a base URL and key resolve;
- ``_registry``: the model registry (what each model is and which parameters it takes);
- ``_defaults``: the model a class uses when none is given;
- ``shaping``: a request's body for the server it goes to, in one order (the profile
  through ``_adapt``, the model through ``_reasoning`` and ``_model_params``, then the
  lessons through ``_downgrade``'s fixes);
- ``lessons``: what a refusal or a reply teaches about the body as sent;
- ``replies``: a reply, whole or streamed, in the caller's terms again (what shaping
  changed to force a tool call undone);
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
