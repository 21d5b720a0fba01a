"""What may go into a request's head: checked once, when a client is made.

A control character in a header value lets a caller's string add header lines of its
own (CR, LF), or makes the HTTP library refuse the request later with the value, key
included, in its message. So the key and the default headers are checked here, and an
error names the parameter, never its value. (No model name goes into a URL today: every
path is fixed.)

A key with a leading or trailing space or newline (a key read from a file keeps its
newline) is refused, not stripped: the key sent is always the key given.

Example::

    from solar_api._header_checks import check_api_key

    check_api_key("sk-abc", "api_key")        # fine
    check_api_key("sk-abc\\n", "api_key")      # ValueError naming api_key, not the key
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["check_api_key", "check_default_headers"]

# RFC 9110 5.6.2: a field name is a token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Control characters other than horizontal tab (RFC 9110 5.5: not allowed in a value).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_api_key(key: str | None, source: str) -> None:
    """Raise ``ValueError`` naming `source` if `key` cannot be sent as a bearer token."""
    if key is None:
        return
    if key != key.strip():
        raise ValueError(
            f"{source}: the key starts or ends with whitespace or a newline (a key read "
            "from a file keeps its newline); pass it stripped, e.g. key.strip()"
        )
    if _CONTROL.search(key) or "\t" in key:
        raise ValueError(f"{source}: the key contains a control character (CR, LF, NUL, tab...)")
    if not key.isascii():
        raise ValueError(f"{source}: the key contains a non-ASCII character; keys are ASCII")


def check_default_headers(headers: Mapping[str, str] | None) -> None:
    """Raise ``ValueError`` for a header name that is not a token or a value that holds
    a control character; the message names the header, never its value."""
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            # The name is not quoted either: a whole "Authorization: Bearer ..." line
            # passed as a name would otherwise be printed.
            raise ValueError(
                "default_headers: a header name is not a valid HTTP token (letters, digits "
                "and !#$%&'*+-.^_`|~ only; no spaces, colons or control characters)"
            )
        if not isinstance(value, str):
            raise ValueError(
                f"default_headers[{name!r}]: expected a str value, got {type(value).__name__}"
            )
        if _CONTROL.search(value):
            raise ValueError(
                f"default_headers[{name!r}]: the value contains a control character "
                "(CR, LF, NUL...); a header value is one line of text"
            )
        if not value.isascii():
            raise ValueError(
                f"default_headers[{name!r}]: the value contains a non-ASCII character; "
                "header values are ASCII here (percent- or base64-encode it)"
            )
        if value != value.strip(" \t"):
            raise ValueError(
                f"default_headers[{name!r}]: the value starts or ends with whitespace; "
                "pass it stripped"
            )
