"""Splitting long text on paragraph, then sentence, then word boundaries."""

from __future__ import annotations

import re

__all__ = ["estimate_tokens", "split_text"]

# Latin and CJK sentence ends (ideographic full stop, fullwidth ? and !).
_SENTENCE_END = re.compile("(?<=[.!?])\\s+|(?<=[\u3002\uff1f\uff01])\\s*")


def estimate_tokens(text: str) -> int:
    """A deliberately generous token estimate: 1 token per 3 characters, at least 1.

    Subword tokenizers give about 4 English characters per token and fewer for Korean
    (about 1.5 to 2.5); a third of the character count rarely undercounts English and
    keeps splitting safe. Only used to decide where to split; the server has the last
    word, and a context-length error makes the caller split further.
    """
    return max(1, -(-len(text) // 3))


def _pieces(text: str, level: int) -> list[str]:
    if level == 0:
        return [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if level == 1:
        return [s for s in _SENTENCE_END.split(text) if s and s.strip()]
    return text.split(" ")


def split_text(text: str, max_chars: int) -> list[str]:
    """Parts of at most `max_chars` characters, cut at the largest boundary that fits."""
    if max_chars < 1:
        raise ValueError(f"max_chars: got {max_chars}; expected >= 1")
    return _split(text.strip(), max_chars, 0)


def _split(text: str, max_chars: int, level: int) -> list[str]:
    if len(text) <= max_chars:
        return [text] if text else []
    if level > 2:
        return [text[i : i + max_chars] for i in range(0, len(text), max_chars)]
    joiner = ("\n\n", " ", " ")[level]
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, level):
        piece = piece.strip()
        if len(piece) > max_chars:
            if current:
                parts.append(current)
                current = ""
            parts.extend(_split(piece, max_chars, level + 1))
            continue
        candidate = f"{current}{joiner}{piece}" if current else piece
        if len(candidate) <= max_chars:
            current = candidate
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts
