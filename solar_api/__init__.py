"""solar_api: the framework-free core of solar-integrations.

httpx clients (sync and async, pooled), pydantic wire models, SSE streaming, typed
errors, one retry policy, provider presets and a model registry. It never imports
LangChain or LlamaIndex.
"""

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from ._version import __version__
from .client import SolarClient
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    InternalServerError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    RetiredModelError,
    SolarError,
    StreamInterruptedError,
    UnprocessableEntityError,
)
from .providers import (
    MODELS,
    PROVIDERS,
    LearnedCapabilities,
    ModelInfo,
    Provider,
    forget_learned_capabilities,
    get_model_info,
    learned_capabilities,
    register_model,
    resolve_endpoint,
)
from .retry import RetryPolicy
from .streaming import AsyncStream, Stream

if TYPE_CHECKING:
    from .async_client import AsyncSolarClient

# The async client (and asyncio with it) is imported when first used.
__getattr__ = lazy_exports(__name__, {"AsyncSolarClient": ".async_client"})

__all__ = [
    "MODELS",
    "PROVIDERS",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AsyncSolarClient",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "ContextLengthExceededError",
    "InternalServerError",
    "LearnedCapabilities",
    "MissingAPIKeyError",
    "ModelInfo",
    "NotFoundError",
    "PermissionDeniedError",
    "Provider",
    "RateLimitError",
    "ResponseTooLargeError",
    "RetiredModelError",
    "RetryPolicy",
    "SolarClient",
    "SolarError",
    "Stream",
    "StreamInterruptedError",
    "UnprocessableEntityError",
    "__version__",
    "forget_learned_capabilities",
    "get_model_info",
    "learned_capabilities",
    "register_model",
    "resolve_endpoint",
]
