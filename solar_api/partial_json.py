"""Parse the JSON prefix a stream has delivered so far (tool-call arguments mid-stream)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["parse_partial_json"]


def parse_partial_json(text: str) -> Any:
    """Parse complete JSON, or close what a truncated prefix left open.

    ``'{"location": "Se'`` gives ``{"location": "Se"}``; a dangling key or ``:``
    is dropped. Raises ``ValueError`` when even the completed text is not JSON.
    """
    try:
        return json.loads(text)
    except ValueError:
        pass
    closers: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            closers.append("}" if ch == "{" else "]")
        elif ch in "}]" and closers:
            closers.pop()
    candidate = text
    if in_string:
        candidate = candidate[:-1] if escaped else candidate
        candidate += '"'
    # Try the prefix as is, then with trailing fragments (",", ":", a lone key) cut off.
    while True:
        try:
            return json.loads(candidate + "".join(reversed(closers)))
        except ValueError:
            pass
        stripped = candidate.rstrip()
        if stripped.endswith((",", ":")):
            candidate = stripped[:-1]
            continue
        cut = max(stripped.rfind(","), stripped.rfind("{"), stripped.rfind("["))
        if cut < 0 or cut == len(stripped) - 1:
            raise ValueError(f"not parseable as partial JSON: {text[:80]!r}")
        candidate = stripped[: cut + 1] if stripped[cut] in "{[" else stripped[:cut]
