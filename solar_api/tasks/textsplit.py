"""Splitting long text on paragraph, then sentence, then word boundaries."""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["split_text"]

# Latin and CJK sentence ends (ideographic full stop, fullwidth ? and !).
_SENTENCE_END = re.compile("(?<=[.!?])\\s+|(?<=[\u3002\uff1f\uff01])\\s*")


def _pieces(text: str, level: int) -> list[str]:
    if level == 0:
        return [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if level == 1:
        return [s for s in _SENTENCE_END.split(text) if s and s.strip()]
    return text.split(" ")


def split_text(text: str, max_size: int, size: Callable[[str], int] = len) -> list[str]:
    """Parts of at most `max_size` (by `size`: characters, or a token counter), cut at the
    largest boundary that fits. Sizes of pieces are added up rather than re-measured, so
    long texts split in linear time."""
    if max_size < 1:
        raise ValueError(f"max_size: got {max_size}; expected >= 1")
    return _split(text.strip(), max_size, size, 0)


def _split(text: str, max_size: int, size: Callable[[str], int], level: int) -> list[str]:
    if size(text) <= max_size:
        return [text] if text else []
    if level > 2:
        # No boundary left: cut by characters in proportion to the size.
        step = max(1, len(text) * max_size // max(size(text), 1))
        return [text[i : i + step] for i in range(0, len(text), step)]
    joiner = ("\n\n", " ", " ")[level]
    parts: list[str] = []
    current: list[str] = []
    current_size = 0
    for piece in _pieces(text, level):
        piece = piece.strip()
        piece_size = size(piece)
        if piece_size > max_size:
            if current:
                parts.append(joiner.join(current))
                current, current_size = [], 0
            parts.extend(_split(piece, max_size, size, level + 1))
            continue
        if current and current_size + piece_size + 1 > max_size:
            parts.append(joiner.join(current))
            current, current_size = [], 0
        current.append(piece)
        current_size += piece_size + (1 if len(current) > 1 else 0)
    if current:
        parts.append(joiner.join(current))
    return parts
