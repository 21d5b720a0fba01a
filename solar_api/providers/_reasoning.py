"""``reasoning_effort`` checked against the values the model takes, before sending.

Upstage's models take different words (solar-pro4/mini4: none ... max; solar-pro3: low,
medium, high; solar-pro2: minimal, high; see the registry). A word on the common scale
that the model does not take is sent as the model's nearest value, with a warning once
per client; a word off the scale, or any value for a model that does not reason, is
refused before any request with the values it takes. Models the registry does not know
(or whose values it does not list) get the value as given.
"""

from __future__ import annotations

import logging
from typing import Any

from ._registry import EFFORT_SCALE, ModelInfo

__all__ = ["check_reasoning_effort"]

logger = logging.getLogger("solar_api")


def _nearest(value: str, allowed: tuple[str, ...]) -> str:
    rank = EFFORT_SCALE.index(value)
    # The closest on the scale; on a tie the lesser effort (the cheaper request).
    return min(allowed, key=lambda v: (abs(EFFORT_SCALE.index(v) - rank), EFFORT_SCALE.index(v)))


def check_reasoning_effort(
    body: dict[str, Any], info: ModelInfo, warned: set[str] | None
) -> dict[str, Any]:
    """`body` with a reasoning_effort the model takes, or a ``ValueError``."""
    value = body.get("reasoning_effort")
    allowed = info.reasoning_efforts
    if value is None or allowed is None:
        return body
    if not allowed:
        raise ValueError(
            f"reasoning_effort: got {value!r}, but {info.name} does not reason; leave it "
            "unset, or use a reasoning model (solar-pro4, solar-mini4, solar-pro3)"
        )
    if value in allowed:
        return body
    if not isinstance(value, str) or value not in EFFORT_SCALE:
        raise ValueError(f"reasoning_effort: got {value!r}; {info.name} takes {', '.join(allowed)}")
    nearest = _nearest(value, allowed)
    key = f"reasoning_effort:{info.name}:{value}"
    if warned is None or key not in warned:
        if warned is not None:
            warned.add(key)
        logger.warning(
            "%s does not take reasoning_effort %r (it takes %s); sent %r instead",
            info.name,
            value,
            ", ".join(allowed),
            nearest,
        )
    return {**body, "reasoning_effort": nearest}
