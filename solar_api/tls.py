"""Proxy and TLS settings for the clients' own connection pools."""

from __future__ import annotations

import ssl
from typing import Any

import certifi
import httpx

__all__ = ["CertLike", "VerifyLike", "pool_options"]

VerifyLike = bool | str | ssl.SSLContext
CertLike = str | tuple[str, str] | tuple[str, str, str] | None


def _ssl_context(verify: VerifyLike, cert: CertLike) -> ssl.SSLContext | bool:
    if verify is False:
        if cert is not None:
            raise ValueError("cert: a client certificate needs verify to be on")
        return False
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif isinstance(verify, str):
        # A CA bundle file (PEM) or a directory of them.
        try:
            context = ssl.create_default_context(cafile=verify)
        except (FileNotFoundError, ssl.SSLError) as exc:
            raise ValueError(f"verify: {verify!r} is not a readable CA bundle ({exc})") from None
    elif verify is True:
        context = ssl.create_default_context(cafile=certifi.where())
    else:
        raise ValueError(
            f"verify: got {verify!r}; expected True, False, a CA bundle path or an SSLContext"
        )
    if cert is not None:
        files = (cert,) if isinstance(cert, str) else cert
        try:
            context.load_cert_chain(*files)
        except (FileNotFoundError, ssl.SSLError) as exc:
            raise ValueError(f"cert: {cert!r} is not a usable client certificate ({exc})") from None
    return context


def pool_options(
    *,
    proxy: str | httpx.Proxy | None = None,
    verify: VerifyLike = True,
    cert: CertLike = None,
    trust_env: bool = True,
) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client``/``AsyncClient``, checked up front.

    ``trust_env`` (default on) lets HTTPS_PROXY/HTTP_PROXY/NO_PROXY and SSL_CERT_FILE apply
    when no ``proxy``/``verify`` is given.
    """
    options: dict[str, Any] = {"trust_env": trust_env}
    if proxy is not None:
        options["proxy"] = proxy
    if verify is not True or cert is not None:
        options["verify"] = _ssl_context(verify, cert)
    return options
