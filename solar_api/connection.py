"""Every connection word, declared once: the pydantic model the adapters inherit.

LangChain's and LlamaIndex's classes (``ChatSolar``, ``Solar``, the embeddings, the
summarizers) inherit `Connection`, so each word (key, base URL, provider, timeout,
retries, headers, proxy, TLS, HTTP clients, rate limiter) has one type, one default and
one description, and every word the clients take can be given to every adapter.

`Connection` owns what follows from those words: it resolves them once (reading the
environment), builds the pair of clients its owner sends on through their public
constructor, refuses or moves unknown words, fills in the provider's default model, and
pickles (the key never travels). The arrows run one way: the clients know nothing of
`Connection`, and `Connection` nothing of LangChain or LlamaIndex.

Example::

    from solar_api.connection import Connection

    conn = Connection(base_url="http://127.0.0.1:8080/v1", timeout=30)
    conn.list_models()
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Self,
    SupportsIndex,
    TypeVar,
    cast,
    overload,
)

import httpx
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ._base_client import coerce_timeout
from ._bounded import DEFAULT_MAX_RESPONSE_BYTES
from ._pickling import PickledEndpoint, key_variable
from ._words import move_unknown_words
from .async_client import AsyncSolarClient
from .client import SolarClient
from .providers import ProviderName, resolve_endpoint
from .providers._defaults import ModelKind, fill_default_model
from .providers._presets import ResolvedEndpoint
from .ratelimit import RateLimiter, solar_rate_limiter
from .retry import RetryPolicy
from .sse import DEFAULT_MAX_EVENT_BYTES

__all__ = ["Connection"]

# The validation-context key under which `Connection.sharing_clients_of` passes the
# connection whose clients a new object sends on.
_SHARED_CLIENTS = "solar_api.connection.shared_clients"

R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


def _named(function: F, method: Callable[..., Any]) -> F:
    """`function` under `method`'s name and docstring (its own signature kept)."""
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(function, attribute, getattr(method, attribute))
    function.__annotations__ = {
        **function.__annotations__,
        "return": method.__annotations__["return"],
    }
    return function


class _on_class_or_instance(Generic[R]):  # lower case: used as a decorator
    """A method that also works on the class: there, on a connection made from the
    keyword arguments (only connection words; the rest from the environment and the
    defaults, as the constructors read them), closed after the call.

    ``ChatSolar.list_models(base_url="http://127.0.0.1:8080/v1")`` lists what a server
    has before any model object is made; ``llm.list_models()`` asks the object's server.
    """

    def __init__(self, method: Callable[[Connection], R]) -> None:
        self._method = method
        self.__doc__ = method.__doc__  # help(Connection): the method's own text

    @overload
    def __get__(self, instance: None, owner: type[Connection]) -> Callable[..., R]: ...
    @overload
    def __get__(self, instance: Connection, owner: type[Connection]) -> Callable[[], R]: ...
    def __get__(
        self, instance: Connection | None, owner: type[Connection]
    ) -> Callable[..., R] | Callable[[], R]:
        method = self._method
        name = f"{owner.__name__}.{method.__name__}"
        if instance is not None:

            def bound(**words: Any) -> R:
                if words:
                    raise TypeError(
                        f"{name}() on an object asks its own server and takes no arguments; "
                        f"for another server call it on the class: {name}"
                        f"({', '.join(f'{w}=...' for w in words)})"
                    )
                return method(instance)

            return _named(bound, method)

        def connect(words: dict[str, Any]) -> Connection:
            move_unknown_words(f"{name}()", words, Connection.model_fields, into=None)
            return Connection(**words)

        if inspect.iscoroutinefunction(method):

            async def on_class_async(**words: Any) -> Any:
                connection = connect(words)
                try:
                    return await cast("Awaitable[Any]", method(connection))
                finally:
                    await connection.aclose()

            return cast("Callable[..., R]", _named(on_class_async, method))

        def on_class(**words: Any) -> R:
            connection = connect(words)
            try:
                return method(connection)
            finally:
                connection.close()

        return _named(on_class, method)


if TYPE_CHECKING:
    from dataclasses import InitVar

    from ._init_typing import ALSO, SecretKey


class Connection(BaseModel):
    """Where requests go and how: provider, URL, key, timeouts, retries, pools."""

    # hide_input_in_errors: a validation error must never print the given key;
    # ignored_types: list_models/alist_models, methods of the class too.
    model_config = ConfigDict(
        populate_by_name=True,
        arbitrary_types_allowed=True,
        hide_input_in_errors=True,
        ignored_types=(_on_class_or_instance,),
    )

    # Accepted alternate names are validation aliases, not aliases: type checkers and
    # help() then show the field's own name (pydantic's dataclass_transform reads alias=).
    # Type checkers without the pydantic plugin see each alternate name as an init-only
    # parameter and api_key as taken (str | SecretStr | None), read (SecretStr | None):
    # the TYPE_CHECKING block, see _init_typing.py.
    if TYPE_CHECKING:
        api_key: SecretKey = SecretKey()
        _also_upstage_api_key: InitVar[str | SecretStr | None] = Field(
            default=ALSO, alias="upstage_api_key"
        )
        _also_api_base: InitVar[str | None] = Field(default=ALSO, alias="api_base")
        _also_upstage_api_base: InitVar[str | None] = Field(default=ALSO, alias="upstage_api_base")
        _also_request_timeout: InitVar[float | httpx.Timeout | None] = Field(
            default=ALSO, alias="request_timeout"
        )
    else:
        api_key: str | SecretStr | None = Field(
            default=None,
            exclude=True,
            repr=False,
            validation_alias=AliasChoices("api_key", "upstage_api_key"),
            description="Read from the provider's variable (UPSTAGE_API_KEY...) when not "
            "given; kept as a SecretStr, never serialized. Also accepted as upstage_api_key.",
        )
    base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("base_url", "api_base", "upstage_api_base"),
        description="Server URL; read from UPSTAGE_BASE_URL (or UPSTAGE_API_BASE), "
        "NVIDIA_BASE_URL, JULEP_BASE_URL. Also accepted as api_base/upstage_api_base.",
    )
    provider: ProviderName | None = Field(
        default=None, description="Inferred from base_url when not given; upstage without either."
    )
    timeout: float | httpx.Timeout | None = Field(
        default=None,
        validation_alias=AliasChoices("timeout", "request_timeout"),
        description="Seconds (or an httpx.Timeout); default 60 s, 5 s to connect.",
    )
    max_retries: int = Field(
        default=2, ge=0, description="Retries of a failed attempt (429, 5xx, connection errors)."
    )
    retry_policy: RetryPolicy | None = Field(
        default=None,
        exclude=True,
        description="A solar_api.RetryPolicy (backoff, retried statuses); max_retries when unset.",
    )
    default_headers: dict[str, str] | None = Field(
        default=None, description="Headers sent with every request."
    )
    proxy: str | None = Field(
        default=None,
        description="An HTTP(S) proxy URL; by default HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply.",
    )
    verify: bool | str | None = Field(
        default=None,
        description="TLS verification: on by default; False, or a CA bundle path.",
    )
    cert: str | tuple[str, str] | None = Field(
        default=None, description="A client certificate: a PEM file, or (certificate, key) files."
    )
    trust_env: bool = Field(
        default=True,
        description="Whether the pools read proxies and CA bundles from the environment.",
    )
    max_response_bytes: int = Field(
        default=DEFAULT_MAX_RESPONSE_BYTES,
        ge=1,
        description="The most bytes a response body may have once decoded (gzip and the "
        "like): 256 MiB; a larger one is a ResponseTooLargeError.",
    )
    max_event_bytes: int = Field(
        default=DEFAULT_MAX_EVENT_BYTES,
        ge=1,
        description="The most bytes one stream line or event may have: 16 MiB; a larger "
        "one is a ResponseTooLargeError.",
    )
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    rate_limiter: RateLimiter | None = Field(
        default=None,
        exclude=True,
        description="A solar_api.ratelimit limiter (RedisRateLimiter is shared by every process).",
    )

    _client: SolarClient = PrivateAttr()
    _async_client: AsyncSolarClient = PrivateAttr()

    @field_validator("api_key", mode="after")
    @classmethod
    def _secret_key(cls, value: str | SecretStr | None) -> SecretStr | None:
        return SecretStr(value) if isinstance(value, str) else value

    @field_validator("timeout", mode="after")
    @classmethod
    def _valid_timeout(cls, value: float | httpx.Timeout | None) -> float | httpx.Timeout | None:
        if value is not None:
            coerce_timeout(value)  # a ValueError naming timeout and what it takes
        return value

    # -- what the words mean for a class: unknown words, default model ----------------
    # The words a class's model is given by, and which provider default it takes when
    # none is given (providers/_defaults.py); None: the class has no model word.
    _model_words: ClassVar[tuple[tuple[str, ...], ModelKind] | None] = None
    # Where unknown constructor words go, with a warning (langchain-openai's
    # ``model_kwargs``, LlamaIndex's ``additional_kwargs``); None: they are refused.
    _extra_words_into: ClassVar[str | None] = None
    # Words accepted besides the fields (handled by the class itself).
    _also_accepted: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _unknown_words_and_default_model(cls, values: Any) -> Any:
        values = move_unknown_words(
            cls.__name__,
            values,
            cls.model_fields,
            into=cls._extra_words_into,
            also_accepted=cls._also_accepted,
        )
        if cls._model_words is not None:
            values = fill_default_model(values, *cls._model_words)
        return values

    # -- the clients ------------------------------------------------------------------
    # An after-validator, not model_post_init: pydantic gives a class whose framework base
    # has private attributes a model_post_init of its own that does not call the others'
    # (LangChain's BaseTool), while every base's validators run, the bases' first.
    @model_validator(mode="after")
    def _connect_clients(self, info: ValidationInfo) -> Self:
        shared = info.context.get(_SHARED_CLIENTS) if isinstance(info.context, dict) else None
        if isinstance(shared, Connection):
            self._client, self._async_client = shared._client, shared._async_client
            return self
        # Provider, URL and key resolved once (reading the environment) for both clients.
        self._connect_to(
            resolve_endpoint(provider=self.provider, base_url=self.base_url, api_key=self.api_key)
        )
        return self

    def _connect_to(self, endpoint: ResolvedEndpoint) -> None:
        # One limiter for both clients: sync and async calls draw on one budget.
        words: dict[str, Any] = {
            "endpoint": endpoint,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "retry_policy": self.retry_policy,
            "default_headers": self.default_headers,
            "proxy": self.proxy,
            "verify": True if self.verify is None else self.verify,
            "cert": self.cert,
            "trust_env": self.trust_env,
            "rate_limiter": solar_rate_limiter(self.rate_limiter),
            "max_response_bytes": self.max_response_bytes,
            "max_event_bytes": self.max_event_bytes,
        }
        self._client = SolarClient(http_client=self.http_client, **words)
        self._async_client = AsyncSolarClient(http_client=self.http_async_client, **words)
        self.api_key = endpoint.api_key
        self.base_url = endpoint.base_url

    @property
    def client(self) -> SolarClient:
        """The sync client this object sends on (`solar_api.SolarClient`)."""
        return self._client

    @property
    def async_client(self) -> AsyncSolarClient:
        """The async client this object sends on (`solar_api.AsyncSolarClient`)."""
        return self._async_client

    @classmethod
    def sharing_clients_of(cls, owner: Connection, /, **fields: Any) -> Self:
        """An object of this class on `owner`'s connection words that sends on `owner`'s
        clients (their pools, limiter and what they learned), with `fields` besides.

        A summarizer's inner chat model is one: ``ChatSolar.sharing_clients_of(summarizer,
        model="solar-mini4")``.
        """
        clash = sorted(set(fields) & set(Connection.model_fields))
        if clash:
            raise TypeError(
                f"{cls.__name__}.sharing_clients_of(): {', '.join(clash)} are the owner's "
                "connection words; make a new object to connect elsewhere"
            )
        words = {name: getattr(owner, name) for name in Connection.model_fields}
        return cls.model_validate({**words, **fields}, context={_SHARED_CLIENTS: owner})

    @property
    def api_key_env(self) -> str:
        """The environment variable a pickled or serialized copy reads its key from."""
        return key_variable(self._client.provider)

    # -- pickling (see _pickling.py) ---------------------------------------------------
    # A pickle carries the fields, with the resolved provider, the base URL only if it was
    # given, no key and no HTTP clients; it is loaded by building the object again (its
    # validators, clients and private attributes) from those fields, for every framework.
    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()  # LlamaIndex's drops what does not pickle
        pickled = PickledEndpoint.of(self._client.endpoint)
        fields = {
            **state["__dict__"],
            "provider": pickled.provider,
            "base_url": pickled.base_url,
            "api_key": None,
            "http_client": None,
            "http_async_client": None,
        }
        return {**state, "__dict__": fields, "__pydantic_private__": None}

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # The pickle also says whether a key was given (to read it again on load).
        key_env = PickledEndpoint.of(self._client.endpoint).key_env
        return (_unpickle, (type(self), self.__getstate__(), key_env))

    @property
    def provider_name(self) -> str:
        return self._client.provider.name

    def __repr_args__(self) -> Any:
        # pydantic's repr: the provider that was resolved, not None when it was inferred.
        private = getattr(self, "__pydantic_private__", None) or {}
        resolved = private.get("_client") if isinstance(private, dict) else None
        for name, value in super().__repr_args__():
            if name == "provider" and value is None and resolved is not None:
                value = resolved.provider.name
            yield name, value

    @_on_class_or_instance
    def list_models(self) -> list[str]:
        """The model names the server lists (GET /models).

        On the class, for a server no object is made for: ``ChatSolar.list_models(
        base_url=..., api_key=...)`` takes the connection words (provider, base_url,
        api_key, timeout...; the rest from the environment, as a constructor reads it).
        """
        return [m.id for m in self._client.list_models().data]

    @_on_class_or_instance
    async def alist_models(self) -> list[str]:
        """`list_models`, awaited; also on the class (``await ChatSolar.alist_models(...)``)."""
        return [m.id for m in (await self._async_client.list_models()).data]

    def close(self) -> None:
        """Close the sync connection pool (it is made again if the object is used)."""
        self._client.close()

    async def aclose(self) -> None:
        """Close the running event loop's async connection pool.

        Needed only when that loop is closed by hand without ``shutdown_asyncgens()``;
        ``asyncio.run`` and ``asyncio.Runner`` close it themselves.
        """
        await self._async_client.aclose()

    def check_model(self, model: str) -> None:
        """Raise ``ValueError`` unless the server lists `model` (one GET /models).

        Never called at construction: a model name is checked only when asked.
        """
        available = self.list_models()
        if model not in available:
            raise ValueError(
                f"model: got {model!r}; the server at {self.base_url} lists "
                f"{', '.join(available) or 'no models'}"
            )


def _unpickle(cls: type[Connection], state: dict[str, Any], key_env: str | None) -> Connection:
    obj = cls.__new__(cls)
    cls.__init__(obj, **state["__dict__"])
    fields_set = state.get("__pydantic_fields_set__")
    if fields_set is not None:  # what the original was given, not all the pickled fields
        object.__setattr__(obj, "__pydantic_fields_set__", set(fields_set))
    if key_env is not None:
        # A key that was given is read again from the provider's variable, else warned of.
        pickled = PickledEndpoint(provider=obj.provider_name, base_url=None, key_env=key_env)
        endpoint = pickled.reread_key(obj._client.endpoint, cls.__name__, stacklevel=3)
        if endpoint is not obj._client.endpoint:
            obj._connect_to(endpoint)
    return obj
