"""Provider presets and how a client's base URL and API key are resolved.

Resolution order for the base URL: the ``base_url`` argument, then the preset's
``*_BASE_URL`` variable, then the preset's default. For the key: the ``api_key``
argument, then the preset's ``*_API_KEY`` variable. Nothing here touches the network.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, cast, get_args
from urllib.parse import urlsplit

from pydantic import SecretStr

from ..errors import MissingAPIKeyError

__all__ = [
    "LOCAL_BASE_URL_ENV",
    "PROVIDERS",
    "Provider",
    "ProviderName",
    "ResolvedEndpoint",
    "preset_named",
    "resolve_endpoint",
]

# The names a `provider=` takes; PROVIDERS is keyed by exactly these (checked below), so
# the adapters' field types and the presets cannot drift apart.
ProviderName = Literal["upstage", "nvidia", "julep", "local", "openai_compatible"]

# Where a running local backend publishes its URL (solar_api.local sets and restores it).
LOCAL_BASE_URL_ENV = "SOLAR_LOCAL_BASE_URL"
# Upstage's Solar Embedding 2 pair (-query / -passage): Embedding 1 is fully deprecated on
# 2026-12-31 (console.upstage.ai/docs/capabilities/embed, read 2026-12-06).
_EMBEDDING_FAMILY = "solar-embedding-2"


@dataclass(frozen=True)
class Provider:
    name: str
    base_url: str | None
    api_key_env: str | None
    base_url_env: str | None
    requires_api_key: bool
    default_model: str
    # Whether `stream_options: {"include_usage": true}` is accepted when streaming.
    stream_usage: bool = True
    # How a JSON-schema response_format is spelled: OpenAI's {"type": "json_schema", ...}
    # or llama.cpp's {"type": "json_object", "schema": ...}.
    json_schema_style: Literal["openai", "llama_cpp"] = "openai"
    # Whether tool_choice "required" is enforced (llama.cpp enforces only a named tool).
    tool_choice_required: bool = True
    # llama.cpp's server rejects "content": null on an assistant turn with tool calls.
    null_assistant_content: bool = True
    # A cap sent when the caller sets no max_tokens (llama.cpp otherwise generates up to
    # the whole context window, and a small base model rarely stops by itself).
    default_max_tokens: int | None = None
    # Read timeout when the caller sets none: CPU inference on one request slot can take
    # minutes under load, and a timed-out request only queues behind itself if retried.
    default_read_timeout: float | None = None
    # Whether assistant turns must carry their reasoning_content back (tool loops on
    # reasoning models that require it); none of the presets does.
    echo_reasoning: bool = False
    # What the server takes (False: the request builder adapts the field, see _adapt.py).
    parallel_tool_calls: bool = True
    # tool_choice at all (False: a forced choice is asked for in words, "none" drops tools).
    tool_choice: bool = True
    message_names: bool = True
    json_object: bool = True
    max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    # Julep's assistant continuation (`continue: true` with no content).
    continuation: bool = False
    # tools[].function.strict: true, the request's `store`, and the "developer" role.
    strict_tools: bool = True
    store: bool = True
    developer_role: bool = True
    label: str = ""
    # Further base-URL variables, read after base_url_env (other packages' names).
    base_url_env_fallbacks: tuple[str, ...] = ()
    # Whatever the server hosts is served under every OpenAI path, by any name: its
    # default chat model also answers /completions.
    serves_any_model: bool = False
    # The embedding model (or -query/-passage pair) used when none is named.
    default_embedding_model: str | None = None
    # Whether embedding requests say which side a text is on (NIM's input_type, which
    # its asymmetric models require).
    embedding_input_type: bool = False
    # Every model name is an alias of one small general model (the embedded backend), so
    # a model's own request forms (the Summarization API's body) are not spoken there.
    aliased_models: bool = False
    # Said when no base URL is found, and added to a refused connection's message: how
    # to start a server that must be started first.
    no_base_url_hint: str | None = None
    unreachable_hint: str | None = None

    def adaptations(self) -> list[str]:
        """What the request builder changes for this provider, for docs and logs: the
        capabilities it lacks (the README wording of the table in capabilities.py), then
        the defaults it fills in."""
        from .capabilities import CAPABILITIES  # the table reads Provider's flags

        notes = [cap.readme for cap in CAPABILITIES if cap.supported and not cap.supported(self)]
        if self.json_schema_style == "llama_cpp":
            notes.append("json_schema as json_object+schema")
        if self.default_max_tokens is not None:
            notes.append(f"max_tokens {self.default_max_tokens} when unset")
        if self.default_read_timeout is not None:
            notes.append(f"read timeout {self.default_read_timeout:.0f} s when unset")
        return notes


PROVIDERS: dict[ProviderName, Provider] = {
    "upstage": Provider(
        name="upstage",
        label="Upstage console API",
        # The base URL Upstage's docs show today (console.upstage.ai/docs, read
        # 2026-12-06: chat at /v1/chat/completions, embeddings at /v1/embeddings); the
        # seeds' /v1/solar still serves both and is taken as base_url.
        base_url="https://api.upstage.ai/v1",
        api_key_env="UPSTAGE_API_KEY",
        base_url_env="UPSTAGE_BASE_URL",
        # langchain-upstage's and llama-index-llms-upstage's variable.
        base_url_env_fallbacks=("UPSTAGE_API_BASE",),
        requires_api_key=True,
        # Solar Mini 4: current (2026-09), the cheapest of the current models, 512K
        # context, tools and structured outputs, and the model Upstage names in place of
        # its retired translation API (console.upstage.ai/docs/others/translation).
        default_model="solar-mini4",
        # The live API refuses tools[].function.strict: true ("The value 'true' isn't
        # supported yet"), `store` ("Unrecognized request arguments supplied: store") and
        # the developer role ("must be one of ['system','assistant','user','tool']"):
        # checked against the live API by third parties, 2026-07-30 and 2026-08-07
        # (junghan0611/agent-config#17, can1357/oh-my-pi#7868).
        strict_tools=False,
        store=False,
        developer_role=False,
        default_embedding_model=_EMBEDDING_FAMILY,
    ),
    "nvidia": Provider(
        name="nvidia",
        label="NVIDIA NIM (API catalog)",
        base_url="https://integrate.api.nvidia.com/v1",
        api_key_env="NVIDIA_API_KEY",
        base_url_env="NVIDIA_BASE_URL",
        requires_api_key=True,
        default_model="upstage/solar-10.7b-instruct",
        embedding_input_type=True,
    ),
    "julep": Provider(
        name="julep",
        label="Julep",
        base_url="https://api-alpha.julep.ai/v1",
        api_key_env="JULEP_API_KEY",
        base_url_env="JULEP_BASE_URL",
        requires_api_key=True,
        default_model="julep-ai/samantha-1-turbo",
        stream_usage=False,
        continuation=True,
    ),
    "local": Provider(
        name="local",
        label="Embedded local backend (llama.cpp, SmolLM2-135M-Instruct)",
        base_url=None,
        api_key_env=None,
        base_url_env=LOCAL_BASE_URL_ENV,
        requires_api_key=False,
        default_model="solar-1-mini-chat",
        # llama-cpp-python's server sends no usage in streams and ignores the option.
        stream_usage=False,
        json_schema_style="llama_cpp",
        tool_choice_required=False,
        null_assistant_content=False,
        message_names=False,
        default_max_tokens=512,
        default_read_timeout=600.0,
        serves_any_model=True,
        default_embedding_model=_EMBEDDING_FAMILY,
        aliased_models=True,
        no_base_url_hint=(
            "base_url: provider 'local' found no running local backend; start one with "
            "`with solar_api.local.LocalServer(): ...` or `python -m solar_api.local serve` "
            f"(which sets {LOCAL_BASE_URL_ENV}), or pass base_url"
        ),
        unreachable_hint=(
            f"the local backend is not running (or {LOCAL_BASE_URL_ENV} is stale): start it "
            "with `python -m solar_api.local serve`, or run your code inside "
            "`with solar_api.local.LocalServer(): ...`"
        ),
    ),
    "openai_compatible": Provider(
        name="openai_compatible",
        label="Any OpenAI-compatible server",
        base_url=None,
        api_key_env=None,
        base_url_env=None,
        requires_api_key=False,
        default_model="solar-1-mini-chat",
        # An unknown server gets what was asked: a 400/422 naming a field teaches the
        # client what it rejects (_downgrade.py); nothing is dropped by a static guess.
        continuation=True,
        serves_any_model=True,
        default_embedding_model=_EMBEDDING_FAMILY,
    ),
}


if set(PROVIDERS) != set(get_args(ProviderName)):  # pragma: no cover - a typo here
    raise ImportError("PROVIDERS and ProviderName name different providers")


def preset_named(name: str) -> Provider | None:
    """The preset called `name` (what a plan or pickle keeps), None for any other name;
    its fields, not its name, say what it takes."""
    return PROVIDERS.get(cast(ProviderName, name))


@dataclass(frozen=True)
class ResolvedEndpoint:
    provider: Provider
    base_url: str
    api_key: SecretStr | None
    # Where the values came from: pickles keep what was given, never what the
    # environment said at the time (see _pickling.py).
    base_url_given: bool = True
    api_key_given: bool = False
    # Set after unpickling an object whose explicit key did not travel and whose
    # variable is unset: requests raise instead of going out without a key.
    missing_key_env: str | None = None

    def require_api_key(self) -> SecretStr | None:
        """The key to send; raises `MissingAPIKeyError` when the provider needs one."""
        if self.api_key is None and self.missing_key_env is not None:
            raise MissingAPIKeyError(
                f"No API key for provider {self.provider.name!r}: the api_key given to this "
                "object is never pickled, and after loading it is read from the "
                f"{self.missing_key_env} environment variable, which is not set."
            )
        if self.api_key is None and self.provider.requires_api_key:
            raise MissingAPIKeyError(
                f"No API key for provider {self.provider.name!r}: pass api_key=... or set "
                f"the {self.provider.api_key_env} environment variable."
            )
        return self.api_key


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def infer_provider(provider: str | None, base_url: str | None) -> Provider:
    if provider is not None:
        if provider not in PROVIDERS:
            raise ValueError(
                f"provider: got {provider!r}; expected one of {', '.join(sorted(PROVIDERS))}"
            )
        return PROVIDERS[provider]
    if base_url is None:
        return PROVIDERS["upstage"]
    host = _host_of(base_url)
    for preset in PROVIDERS.values():
        if preset.base_url and _host_of(preset.base_url) == host:
            return preset
    return PROVIDERS["openai_compatible"]


def validate_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"base_url: got {base_url!r}; expected an absolute http(s) URL such as "
            "'https://api.upstage.ai/v1' or 'http://127.0.0.1:8080/v1'"
        )
    return base_url.rstrip("/")


def resolve_endpoint(
    *,
    provider: str | None = None,
    base_url: str | None = None,
    api_key: str | SecretStr | None = None,
) -> ResolvedEndpoint:
    """Pick the preset and read the environment; never raises for a missing key."""
    preset = infer_provider(provider, base_url)
    url = base_url
    if url is None and preset.base_url_env:
        url = os.environ.get(preset.base_url_env) or None
    for variable in preset.base_url_env_fallbacks:
        url = url or os.environ.get(variable) or None
    if url is None:
        url = preset.base_url
    if url is None:
        if preset.no_base_url_hint is not None:
            raise ValueError(preset.no_base_url_hint)
        raise ValueError(
            f"base_url: provider {preset.name!r} has no default; pass the server's URL, "
            "for example base_url='http://127.0.0.1:8080/v1'"
        )
    key: SecretStr | None
    given = False
    if isinstance(api_key, SecretStr):
        key = api_key
        given = True
    elif api_key:
        key = SecretStr(api_key)
        given = True
    elif preset.api_key_env and os.environ.get(preset.api_key_env):
        key = SecretStr(os.environ[preset.api_key_env])
    else:
        key = None
    if key is not None and not key.get_secret_value():
        key = None
        given = False
    return ResolvedEndpoint(
        provider=preset,
        base_url=validate_base_url(url),
        api_key=key,
        base_url_given=base_url is not None,
        api_key_given=given,
    )
