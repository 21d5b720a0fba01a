"""Proxy and TLS settings for the clients' own connection pools."""

from __future__ import annotations

import os
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
    elif isinstance(verify, str) and os.path.isdir(verify):
        context = _directory_context(verify)
    elif isinstance(verify, str):
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


def _directory_context(directory: str) -> ssl.SSLContext:
    """A directory of CA certificates: OpenSSL's hashed ``capath`` layout (``c_rehash``),
    and every PEM file in it loaded as well, so a plain folder of ``.pem``/``.crt`` works."""
    context = ssl.create_default_context(capath=directory)
    loaded = 0
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if not entry.is_file():
            continue
        try:
            with open(entry.path, "rb") as handle:
                if b"-----BEGIN CERTIFICATE-----" not in handle.read():
                    continue
            context.load_verify_locations(cafile=entry.path)
            loaded += 1
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(
                f"verify: {entry.path!r} in the CA directory is not a readable certificate ({exc})"
            ) from None
    if not loaded:
        raise ValueError(
            f"verify: the directory {directory!r} holds no PEM certificate; give a CA bundle "
            "file or a directory of .pem/.crt files"
        )
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
