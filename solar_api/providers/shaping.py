"""A request's body for the server it goes to: one order, no I/O.

Three stages, each working on what the one before left:

1. the provider's profile (``_adapt.py``), with the model's own overrides of it (the
   registry's ``ModelInfo.overrides``): a field the preset is known not to take is
   adapted, keeping its meaning where it can;
2. the model: a ``reasoning_effort`` it takes (``_reasoning.py``), usage on streams where
   its host reports it, and, for a model with a fixed parameter list, that list
   (``_model_params.py``: a ``ValueError`` for the rest, before any request);
3. what this server taught the process (``_learned.py``; the fixes of ``_downgrade.py``).

`shape_body` applies 1 and 2 once per call; `with_lessons` applies 3 to every attempt,
since an attempt's refusal can teach a lesson the next one must carry (``lessons.py``).
Embeddings take stage 3 only: no profile flag or parameter list concerns them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic_core import PydanticSerializationError

from ..types import ChatCompletionRequest, CompletionRequest, StreamOptions
from ._adapt import adapt_body
from ._downgrade import apply_downgrade
from ._model_params import apply_model_params
from ._presets import Provider
from ._reasoning import check_reasoning_effort
from ._registry import ModelInfo

__all__ = ["shape_body", "with_lessons"]


def shape_body(
    req: ChatCompletionRequest | CompletionRequest,
    provider: Provider,
    info: ModelInfo,
    *,
    stream: bool,
    include_usage: bool | None,
    warned: set[str] | None,
) -> dict[str, Any]:
    """`req` as the body `provider` and `info`'s model take (stages 1 and 2 above).

    `warned` keeps each adaptation's warning to once (per client); a request that cannot
    be carried over raises ``ValueError`` naming the field.
    """
    try:
        wire = req.to_wire()
    except PydanticSerializationError as exc:
        named: list[str] = [
            f for f in ("tools", "messages", "response_format") if getattr(req, f, None)
        ]
        raise ValueError(
            f"request: a value is not JSON-serializable ({exc}); check "
            f"{', '.join([*named, 'model_kwargs'])}: they must hold plain JSON values"
        ) from None
    # 1. The profile, as the model overrides it.
    overrides = info.overrides
    profile = replace(provider, **overrides) if overrides else provider
    body = adapt_body(wire, profile, warned)
    # 2. The model.
    body = check_reasoning_effort(body, info, warned)
    if stream:
        body["stream"] = True
        # Usage on streams is asked for by default where the provider (and the model's
        # parameter list) takes it; include_usage=False (or an explicit stream_options)
        # turns that off.
        if include_usage is None:
            include_usage = provider.stream_usage and (
                info.params is None or "stream_options" in info.params
            )
        if req.stream_options is None and include_usage:
            body["stream_options"] = StreamOptions(include_usage=True).to_wire()
    else:
        body.pop("stream", None)
        body.pop("stream_options", None)
    return apply_model_params(body, info, provider.name, warned)


def with_lessons(body: dict[str, Any], learned: frozenset[str]) -> dict[str, Any]:
    """`body` with the fixes for what the server taught (stage 3); a copy when any apply."""
    return apply_downgrade(body, learned)
