"""Which transport the async client's own pool runs on (bench/README.md and
``python -m bench.transports`` have the measurements): aiohttp under httpx's interface
(`_aiohttp.py`) when aiohttp is installed, or httpx's own pool. The sync client always
runs on httpx's own pool.

On by default, where the openai SDK makes its aiohttp transport opt-in: at 64 requests in
flight httpx's own async pool costs about 4 times the client CPU per request (issue 27's
run: 2,213 vs 517 µs), and aiohttp comes only with the extras that need it.

``SOLAR_ASYNC_TRANSPORT`` = ``auto`` (default), ``aiohttp`` (insist on aiohttp) or
``httpx``. A proxy (``proxy=`` or HTTP(S)_PROXY/ALL_PROXY in the environment) always
keeps httpx's own pool: httpx mounts its proxy transports, and applies NO_PROXY, only
when it owns the transport.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

import httpx

__all__ = ["async_transport"]


def _choice(variable: str, allowed: tuple[str, ...]) -> str:
    choice = os.environ.get(variable, "auto").strip().lower() or "auto"
    if choice not in allowed:
        raise ValueError(f"{variable}: got {choice!r}; expected one of {', '.join(allowed)}")
    return choice


def _proxied(options: dict[str, Any]) -> bool:
    if options.get("proxy") is not None:
        return True
    if not options.get("trust_env", True):
        return False
    import urllib.request  # httpx reads the environment the same way

    proxies = urllib.request.getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


def _ssl_context(options: dict[str, Any]) -> ssl.SSLContext:
    verify = options.get("verify")
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return httpx.create_ssl_context(trust_env=options.get("trust_env", True))


def async_transport(
    options: dict[str, Any], limits: httpx.Limits
) -> httpx.AsyncBaseTransport | None:
    choice = _choice("SOLAR_ASYNC_TRANSPORT", ("auto", "aiohttp", "httpx"))
    if choice == "httpx" or _proxied(options):
        return None
    try:
        from ._aiohttp import AiohttpTransport
    except ImportError:
        if choice == "aiohttp":
            raise ImportError(
                "SOLAR_ASYNC_TRANSPORT=aiohttp needs aiohttp>=3.13.4: pip install -U aiohttp"
            ) from None
        return None
    return AiohttpTransport(limits=limits, ssl_context=_ssl_context(options))
