"""The connection pools under the clients: which transport the async pool runs on
(``_choice``: aiohttp under httpx's interface, ``_aiohttp``, or httpx's own) and the
proxy/TLS options every pool is made with (``tls``)."""

from ._choice import async_transport
from .tls import CertLike, VerifyLike, pool_options

__all__ = ["CertLike", "VerifyLike", "async_transport", "pool_options"]
