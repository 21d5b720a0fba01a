"""Redis URLs for `RedisRateLimiter`, checked at construction without connecting.

The scheme must be one of `limits`' Redis storages (read from its registry: ``redis``,
``rediss``, ``redis+unix``, ``redis+sentinel``, ``redis+cluster`` and their ``valkey``
twins, plus redis-py's ``unix``); every ``host:port`` (a port is a number from 1 to 65535)
and the database number are checked too. A message about a URL shows it with its password
masked (``:***@``, ``password=***``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ._redis_storage import supported_schemes

__all__ = ["RedisURL", "mask_secrets", "parse_redis_url"]

EXAMPLE = "redis://127.0.0.1:6379/0"


def mask_secrets(url: str) -> str:
    """`url` with the password of its userinfo and any ``password=`` value masked."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    netloc, tail = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
    userinfo, at, hosts = netloc.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:***@{hosts}" if colon else f"{user}@{hosts}"
    tail = re.sub(r"(?i)((?:^|[?&;])[^=&;#]*pass[^=&;#]*=)[^&;#]*", r"\1***", tail)
    return f"{scheme}{sep}{netloc}{tail}"


@dataclass(frozen=True)
class RedisURL:
    url: str
    scheme: str
    password: str | None
    """The password as written in the URL (userinfo or ``?password=``), None if none."""
    safe: str
    """scheme://hosts/path: no userinfo, no query (for messages and repr)."""

    @property
    def driver(self) -> str:
        return "valkey" if self.scheme.startswith("valkey") else "redis"

    def without_password(self) -> str:
        """The URL with its password taken out (the username stays)."""
        scheme, _, rest = self.url.partition("://")
        netloc, tail = _split_netloc(rest)
        userinfo, at, hosts = netloc.rpartition("@")
        if at:
            user = userinfo.partition(":")[0]
            netloc = f"{user}@{hosts}" if user else hosts
        path, question, query = tail.partition("?")
        if question:
            kept = [p for p in re.split(r"[&;]", query) if p and p.partition("=")[0] != "password"]
            tail = path + ("?" + "&".join(kept) if kept else "")
        return f"{scheme}://{netloc}{tail}"

    def with_password(self, password: str) -> str:
        """The URL (without a password) with `password` in its userinfo."""
        scheme, _, rest = self.without_password().partition("://")
        netloc, tail = _split_netloc(rest)
        user, at, hosts = netloc.rpartition("@")
        if not at:
            user, hosts = "", netloc
        return f"{scheme}://{user}:{quote(password, safe='')}@{hosts}{tail}"


def _split_netloc(rest: str) -> tuple[str, str]:
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    return (rest, "") if cut < 0 else (rest[:cut], rest[cut:])


def parse_redis_url(url: object, *, check_scheme: bool = True) -> RedisURL:
    """Check a Redis URL without connecting; ValueError (password masked) when it is wrong.

    ``check_scheme=False`` (a URL checked before, loaded from a pickle) leaves `limits`
    unimported.
    """
    if not isinstance(url, str):
        raise ValueError(
            f"url: got {type(url).__name__}; expected a Redis URL string such as {EXAMPLE}"
        )
    shown = mask_secrets(url)

    def refuse(problem: str) -> ValueError:
        # The URL as given, password masked: a message may end up in any log.
        return ValueError(f"url: got {shown!r}; {problem}")

    scheme, sep, rest = url.partition("://")
    if not sep:
        raise refuse(f"not a URL; expected a Redis URL such as {EXAMPLE}")
    scheme = scheme.lower()
    schemes = supported_schemes() if check_scheme else {scheme: object}
    if scheme not in schemes:
        raise refuse(
            f"scheme {scheme + '://'!r} is not one of {', '.join(sorted(schemes))}; "
            f"expected a Redis URL such as {EXAMPLE}"
        )
    netloc, tail = _split_netloc(rest)
    userinfo, at, hosts = netloc.rpartition("@")
    if not at:
        userinfo, hosts = "", netloc
    try:
        parts = urlsplit(f"x://{hosts}{tail}")
    except ValueError as exc:  # a bracket left open: "Invalid IPv6 URL"
        raise refuse(f"not a valid URL ({exc})") from None
    socket = scheme == "unix" or scheme.endswith("+unix")
    several = scheme.endswith(("+sentinel", "+cluster"))
    if socket:
        if not parts.path.strip("/"):
            raise refuse(f"no socket path; expected {scheme}:///path/to/redis.sock")
    else:
        locations = hosts.split(",") if several else [hosts]
        for location in locations:
            _check_location(location.strip(), refuse, port_required=several)
        if scheme.endswith("+sentinel") and not parts.path.strip("/"):
            raise refuse(f"no service name; expected {scheme}://host:26379/mymaster")
        if not several and parts.path.strip("/") and not parts.path.strip("/").isdigit():
            raise refuse(
                f"database {parts.path.strip('/')!r} is not a number; "
                f"expected a URL such as {EXAMPLE}"
            )
    password = userinfo.partition(":")[2] if ":" in userinfo else None
    query_password = re.search(r"(?:^|[&;])password=([^&;#]*)", parts.query)
    if not password and query_password:
        password = query_password.group(1)
    safe = f"{scheme}://{hosts}{parts.path}"
    return RedisURL(url=url, scheme=scheme, password=password or None, safe=safe)


def _check_location(
    location: str, refuse: Callable[[str], ValueError], *, port_required: bool
) -> None:
    if not location:
        raise refuse("no host; expected host:port")
    try:
        parts = urlsplit(f"x://{location}")
        port = parts.port
    except ValueError:
        text = location.rpartition(":")[2]
        raise refuse(f"port {text!r} of {location!r} is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise refuse(f"no host in {location!r}; expected host:port")
    if port == 0 or (port is None and location.endswith(":")):
        raise refuse(f"port of {location!r} is not a number from 1 to 65535")
    if port is None and port_required:
        raise refuse(f"no port in {location!r}; expected host:port")
